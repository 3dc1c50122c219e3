import type { KeyGroupRange } from '../key-groups.ts';

/** What {@link ChangedKeyGroups.take} decided for one snapshot. */
export interface ChangedKeyGroupsDecision {
  /** The completed snapshot the changes are relative to; undefined: none (all groups changed). */
  readonly baseCheckpointId: number | undefined;
  readonly changed: number[];
  readonly unchanged: number[];
}

/**
 * Which key groups changed since the last *completed* snapshot (the baseline of incremental
 * checkpoints). Pure bookkeeping, no I/O:
 *
 * - `mark(g)` records a change (any write, removal, or object handed out for in-place change);
 * - `take(id)` decides snapshot `id`: changed = groups marked since the baseline, which includes
 *   the groups of snapshots taken after the baseline that have not completed (an aborted or
 *   still-running checkpoint cannot be referenced); records `id` as pending;
 * - `complete(id)` makes pending snapshot `id` the baseline (earlier pending ones are subsumed);
 *   an unknown id (a full savepoint, an old notification) changes nothing;
 * - `reset()` forgets the baseline (after a restore: the next snapshot is full).
 *
 * @example
 * ```ts
 * const changes = new ChangedKeyGroups({ start: 0, end: 3 });
 * changes.take(1); // { baseCheckpointId: undefined, changed: [0, 1, 2, 3], unchanged: [] }
 * changes.complete(1);
 * changes.mark(2);
 * changes.take(2); // { baseCheckpointId: 1, changed: [2], unchanged: [0, 1, 3] }
 * ```
 */
export class ChangedKeyGroups {
  private readonly start: number;
  private current: Uint8Array;
  private pending: Array<{ id: number; groups: Uint8Array }> = [];
  private baseline: number | undefined;

  constructor(range: KeyGroupRange) {
    this.start = range.start;
    this.current = new Uint8Array(range.end - range.start + 1);
  }

  /** Records a change in `keyGroup` (must be in the range). */
  mark(keyGroup: number): void {
    this.current[keyGroup - this.start] = 1;
  }

  /** Decides snapshot `checkpointId` and records it as pending. */
  take(checkpointId: number): ChangedKeyGroupsDecision {
    const n = this.current.length;
    const changed: number[] = [];
    const unchanged: number[] = [];
    for (let i = 0; i < n; i++) {
      let hit = this.baseline === undefined || this.current[i] === 1;
      for (let p = 0; !hit && p < this.pending.length; p++)
        hit = (this.pending[p] as { groups: Uint8Array }).groups[i] === 1;
      (hit ? changed : unchanged).push(this.start + i);
    }
    this.pending.push({ id: checkpointId, groups: this.current });
    this.current = new Uint8Array(n);
    return { baseCheckpointId: this.baseline, changed, unchanged };
  }

  /** Snapshot `checkpointId` completed: it is the new baseline, if it was taken here. */
  complete(checkpointId: number): void {
    if (!this.pending.some((p) => p.id === checkpointId)) return;
    this.baseline = checkpointId;
    this.pending = this.pending.filter((p) => p.id > checkpointId);
  }

  /** Forgets the baseline and pending snapshots: the next snapshot reports every group changed. */
  reset(): void {
    this.baseline = undefined;
    this.pending = [];
  }
}
