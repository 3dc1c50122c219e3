import { newerSavepoint, type RestorePointTime } from './latest-restore-point.ts';
import { describe, expect, it } from 'vitest';

const at = (checkpointId: number, completedAt: number, name = `sp-${checkpointId}`) => ({
  checkpointId,
  completedAt,
  name,
});

describe('newerSavepoint (what restoreFrom "latest" resumes from)', () => {
  const checkpoint: RestorePointTime = { checkpointId: 7, completedAt: 1_000 };
  it.each([
    ['no checkpoint, no savepoint: start without state', undefined, [], undefined],
    ['no checkpoint: the newest savepoint', undefined, [at(3, 300), at(5, 500), at(4, 400)], 'sp-5'],
    ['the checkpoint is newer than every savepoint', checkpoint, [at(5, 500), at(6, 999)], undefined],
    ['the stop-with-savepoint after the last checkpoint', checkpoint, [at(5, 500), at(8, 1_100)], 'sp-8'],
    [
      'newest by completion time, not by id (ids restart on a fresh start)',
      checkpoint,
      [at(2, 2_000), at(9, 1_500)],
      'sp-2',
    ],
    ['same completion time: the higher id', checkpoint, [at(8, 1_000), at(6, 1_000)], 'sp-8'],
  ] as const)('%s', (_, cp, savepoints, expected) => {
    expect(newerSavepoint(cp, savepoints)?.name).toBe(expected);
  });
});
