import { describe, expect, it } from 'vitest';
import { type CallTreeProfile, inclusiveMs } from './profile-inclusive.ts';

const frame = (functionName: string, url = 'file:///repo/core/src/runtime/local-executor.ts') => ({
  functionName,
  url,
});

describe('inclusiveMs', () => {
  it('sums every sample with the function on its stack, once per sample even when it recurses', () => {
    // root → loop → triggerCheckpoint → serialize ; loop → processElement ; triggerCheckpoint → triggerCheckpoint
    const profile: CallTreeProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2] },
        { id: 2, callFrame: frame('loop'), children: [3, 5] },
        { id: 3, callFrame: frame('triggerCheckpoint'), children: [4, 6] },
        { id: 4, callFrame: frame('serialize', 'node:v8') },
        { id: 5, callFrame: frame('processElement') },
        { id: 6, callFrame: frame('triggerCheckpoint') },
      ],
      samples: [4, 5, 3, 6, 5],
      timeDeltas: [1000, 2000, 3000, 4000, 5000],
    };
    expect(
      inclusiveMs(profile, [
        { name: 'triggerCheckpoint', file: 'runtime/local-executor.ts' },
        { name: 'serialize', file: 'node:v8' },
        { name: 'loop', file: 'local-executor.ts' },
        { name: 'processElement', file: 'elsewhere.ts' },
      ]),
    ).toEqual([8, 1, 15, 0]);
  });
});
