import type { CheckpointInfo } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { checkpointStats } from './checkpoint-stats.ts';

function info(checkpointId: number, durationMs: number, totalSizeBytes: number, kind: CheckpointInfo['kind']) {
  return {
    kind,
    checkpointId,
    savepointId: kind === 'savepoint' ? `sp-${checkpointId}` : undefined,
    triggeredAt: checkpointId * 1000,
    completedAt: checkpointId * 1000 + durationMs,
    durationMs,
    totalSizeBytes,
    sourcePositions: {},
    fileCount: 1,
    location: `file:///tmp/chk-${checkpointId}`,
  } as CheckpointInfo;
}

describe('checkpointStats', () => {
  it('reports count, nearest-rank p50/p99, max and the size of the newest checkpoint, ignoring savepoints', () => {
    const listed = [
      info(3, 40, 3000, 'checkpoint'),
      info(1, 10, 1000, 'checkpoint'),
      info(2, 20, 2000, 'checkpoint'),
      info(4, 500, 9999, 'savepoint'),
    ];
    expect(checkpointStats(listed)).toEqual({
      checkpoints: 3,
      checkpointP50Ms: 20,
      checkpointP99Ms: 40,
      checkpointMaxMs: 40,
      checkpointLastSizeBytes: 3000,
    });
  });

  it('gives nulls when the run took no checkpoint', () => {
    expect(checkpointStats([])).toEqual({
      checkpoints: 0,
      checkpointP50Ms: null,
      checkpointP99Ms: null,
      checkpointMaxMs: null,
      checkpointLastSizeBytes: null,
    });
  });
});
