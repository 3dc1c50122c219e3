/**
 * What {@link newerSavepoint} compares: when a checkpoint or savepoint completed, and its number.
 *
 * @example
 * ```ts
 * const point: RestorePointTime = { checkpointId: 12, completedAt: 1_700_000_000_000 };
 * ```
 */
export interface RestorePointTime {
  readonly checkpointId: number;
  /** Epoch ms when its `_metadata` was written. */
  readonly completedAt: number;
}

/**
 * The savepoint that `restoreFrom: 'latest'` resumes from instead of `checkpoint` (the newest
 * intact checkpoint, or undefined when there is none): the newest savepoint that completed after
 * it, or undefined when the checkpoint is the newest state. Savepoints count because a
 * stop-with-savepoint (e.g. on SIGTERM) ends a job after its last checkpoint, and sinks commit
 * on savepoints too: resuming from the older checkpoint would replay what they already committed.
 * Newer means a later `completedAt` (ids restart when a job is started fresh in the same
 * storage), then a higher checkpoint id.
 *
 * @example
 * ```ts
 * newerSavepoint({ checkpointId: 7, completedAt: 1_000 }, [sp5, sp8]); // sp8 when it completed after 1_000
 * newerSavepoint(undefined, []); // undefined: start without state
 * ```
 */
export function newerSavepoint<S extends RestorePointTime>(
  checkpoint: RestorePointTime | undefined,
  savepoints: readonly S[],
): S | undefined {
  let newest: RestorePointTime | undefined = checkpoint;
  let chosen: S | undefined;
  for (const savepoint of savepoints) {
    if (newest === undefined || isNewer(savepoint, newest)) {
      newest = savepoint;
      chosen = savepoint;
    }
  }
  return chosen;
}

function isNewer(a: RestorePointTime, b: RestorePointTime): boolean {
  return a.completedAt !== b.completedAt ? a.completedAt > b.completedAt : a.checkpointId > b.checkpointId;
}
