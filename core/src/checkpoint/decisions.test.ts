import {
  type CheckpointInspection,
  type CheckpointMetadata,
  type CheckpointVerdict,
  chooseCheckpointToRestore,
  decideOnCancel,
  decideRetention,
  judgeCheckpoint,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function metadata(checkpointId: number): CheckpointMetadata {
  return {
    kind: 'checkpoint',
    formatVersion: 1,
    jobId: 'j',
    checkpointId,
    triggeredAt: 0,
    completedAt: 1,
    totalSizeBytes: 10,
    sourcePositions: {},
    files: [{ path: 'op/kg-0', sizeBytes: 10, sha256: A }],
  };
}

function usable(checkpointId: number): CheckpointVerdict {
  return { verdict: 'usable', checkpointId, metadata: metadata(checkpointId) };
}

function skip(checkpointId: number): CheckpointVerdict {
  return { verdict: 'skip', checkpointId, reason: 'missing-metadata', detail: 'no _metadata (never completed)' };
}

function damaged(checkpointId: number): CheckpointVerdict {
  return { verdict: 'skip', checkpointId, reason: 'truncated-file', detail: "state file 's' has 1 bytes, expected 2" };
}

describe('judgeCheckpoint', () => {
  const ok = { state: 'ok', metadata: metadata(3) } as const;
  it.each<[string, CheckpointInspection, string]>([
    ['no _metadata', { checkpointId: 3, metadata: { state: 'missing' }, files: [] }, 'missing-metadata'],
    [
      'corrupt _metadata',
      { checkpointId: 3, metadata: { state: 'corrupt', problem: 'x' }, files: [] },
      'corrupt-metadata',
    ],
    [
      'a missing file',
      { checkpointId: 3, metadata: ok, files: [{ path: 'op/kg-0', found: undefined }] },
      'missing-file',
    ],
    ['an unlisted file', { checkpointId: 3, metadata: ok, files: [] }, 'missing-file'],
    [
      'a truncated file',
      { checkpointId: 3, metadata: ok, files: [{ path: 'op/kg-0', found: { sizeBytes: 4, sha256: A } }] },
      'truncated-file',
    ],
    [
      'a changed file',
      { checkpointId: 3, metadata: ok, files: [{ path: 'op/kg-0', found: { sizeBytes: 10, sha256: B } }] },
      'digest-mismatch',
    ],
    [
      'an intact checkpoint',
      { checkpointId: 3, metadata: ok, files: [{ path: 'op/kg-0', found: { sizeBytes: 10, sha256: A } }] },
      'usable',
    ],
  ])('%s → %s', (_name, inspection, expected) => {
    const verdict = judgeCheckpoint(inspection);
    expect(verdict.verdict === 'usable' ? 'usable' : verdict.reason).toBe(expected);
    expect(verdict.checkpointId).toBe(3);
  });
});

describe('chooseCheckpointToRestore', () => {
  it.each<[string, CheckpointVerdict[], number | 'start-fresh' | 'fail', number[]]>([
    ['nothing stored', [], 'start-fresh', []],
    ['the newest when intact', [usable(1), usable(2)], 2, []],
    ['falls back past damaged ones', [skip(3), usable(2), damaged(4), usable(1)], 2, [4, 3]],
    ['none ever completed (crashed before the first)', [skip(1), skip(2)], 'start-fresh', [2, 1]],
    ['a completed one is damaged and nothing is left', [skip(3), damaged(2)], 'fail', [3, 2]],
  ])('%s', (_name, verdicts, outcome, skipped) => {
    const decision = chooseCheckpointToRestore(verdicts);
    if (typeof outcome === 'number') {
      expect(decision.action === 'restore' ? decision.metadata.checkpointId : undefined).toBe(outcome);
    } else {
      expect(decision.action).toBe(outcome);
    }
    expect(decision.skipped.map((s) => s.checkpointId)).toEqual(skipped);
  });
});

describe('decideRetention', () => {
  const c = (checkpointId: number, complete = true) => ({ checkpointId, complete });
  it.each<[string, ReturnType<typeof c>[], number, string[]]>([
    ['nothing', [], 2, []],
    ['fewer than N', [c(1), c(2)], 3, ['keep 2 retained', 'keep 1 retained']],
    [
      'exactly the last N',
      [c(1), c(2), c(3), c(4)],
      2,
      ['keep 4 retained', 'keep 3 retained', 'delete 2 superseded', 'delete 1 superseded'],
    ],
    [
      'in-progress newer than newest complete',
      [c(1), c(2), c(3, false)],
      1,
      ['keep 3 possibly-in-progress', 'keep 2 retained', 'delete 1 superseded'],
    ],
    [
      'abandoned older than newest complete',
      [c(1, false), c(2), c(3, false), c(4)],
      2,
      ['keep 4 retained', 'delete 3 abandoned', 'keep 2 retained', 'delete 1 abandoned'],
    ],
    [
      'no complete at all',
      [c(1, false), c(2, false)],
      1,
      ['keep 2 possibly-in-progress', 'keep 1 possibly-in-progress'],
    ],
    ['unsorted input', [c(3), c(10), c(2)], 1, ['keep 10 retained', 'delete 3 superseded', 'delete 2 superseded']],
  ])('%s', (_name, checkpoints, retain, expected) => {
    expect(decideRetention(checkpoints, retain).map((d) => `${d.action} ${d.checkpointId} ${d.reason}`)).toEqual(
      expected,
    );
  });
});

describe('decideOnCancel', () => {
  it.each([
    [true, [1, 2], { action: 'keep-all' }],
    [false, [], { action: 'keep-all' }],
    [false, [2, 1], { action: 'delete-all', checkpointIds: [1, 2] }],
  ])('keep=%s ids=%j', (keep, ids, expected) => {
    expect(decideOnCancel(keep, ids)).toEqual(expected);
  });
});
