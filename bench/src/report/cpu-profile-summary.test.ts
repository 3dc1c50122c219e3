import { describe, expect, it } from 'vitest';
import { type CpuProfile, summarizeCpuProfile } from '../index.ts';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('summarizeCpuProfile', () => {
  it('sums sample time per function and per file, hottest first, with paths relative to the root', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        { id: 2, callFrame: frame('addWindow', 'file:///repo/core/dist/merging.js', 9) },
        { id: 3, callFrame: frame('', 'file:///repo/core/dist/merging.js', 40) },
        { id: 4, callFrame: frame('(garbage collector)', '') },
        { id: 5, callFrame: frame('addWindow', 'file:///repo/core/dist/merging.js', 9) }, // same function, other call path
      ],
      samples: [2, 3, 2, 4, 5, 2],
      timeDeltas: [1000, 500, 1000, 2000, 1000, 500],
    };
    const summary = summarizeCpuProfile(profile, '/repo');
    expect(summary.totalMs).toBe(6);
    expect(summary.functions).toEqual([
      { name: 'addWindow (core/dist/merging.js:10)', selfMs: 3.5, share: 3.5 / 6 },
      { name: '(garbage collector)', selfMs: 2, share: 2 / 6 },
      { name: '(anonymous) (core/dist/merging.js:41)', selfMs: 0.5, share: 0.5 / 6 },
    ]);
    expect(summary.files).toEqual([
      { name: 'core/dist/merging.js', selfMs: 4, share: 4 / 6 },
      { name: '(garbage collector)', selfMs: 2, share: 2 / 6 },
    ]);
  });
});
