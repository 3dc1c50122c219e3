import type { CheckpointMetrics } from '@sluice/core';
import { judgeReadiness, type ReadinessFacts } from '@sluice/job-service';
import { describe, expect, it } from 'vitest';

const off: CheckpointMetrics = {
  enabled: false,
  completed: 0,
  failed: 0,
  inProgress: 0,
  lastCheckpointId: undefined,
  lastDurationMs: undefined,
  lastSizeBytes: undefined,
  lastCompletedAt: undefined,
  restoredFrom: undefined,
};
const on: CheckpointMetrics = { ...off, enabled: true };
const facts = (f: Partial<ReadinessFacts>): ReadinessFacts => ({
  status: 'RUNNING',
  checkpoints: off,
  startedAt: 1_000,
  now: 10_000,
  maxCheckpointAgeMs: 5_000,
  ...f,
});

describe('judgeReadiness', () => {
  it.each([
    ['not started', facts({ status: undefined }), false, 'not started'],
    ['running, no checkpointing', facts({}), true, undefined],
    ['finished', facts({ status: 'FINISHED' }), false, 'FINISHED'],
    ['failed', facts({ status: 'FAILED' }), false, 'FAILED'],
    ['recent checkpoint', facts({ checkpoints: { ...on, lastCompletedAt: 6_000 } }), true, undefined],
    ['checkpoint just at the limit', facts({ checkpoints: { ...on, lastCompletedAt: 5_000 } }), true, undefined],
    [
      'stale checkpoint',
      facts({ checkpoints: { ...on, lastCompletedAt: 4_999 } }),
      false,
      'last checkpoint completed 5 s ago',
    ],
    ['young job without a checkpoint yet', facts({ checkpoints: on, startedAt: 8_000 }), true, undefined],
    ['old job without any checkpoint', facts({ checkpoints: on, startedAt: 1_000 }), false, 'no checkpoint completed'],
  ] as const)('%s', (_name, input, ready, reason) => {
    const verdict = judgeReadiness(input);
    expect(verdict.ready).toBe(ready);
    if (reason === undefined) expect(verdict.reason).toBeUndefined();
    else expect(verdict.reason).toContain(reason);
  });
});
