import { randomBytes } from 'node:crypto';
import { SluiceError } from '../errors.ts';
import type { PendingIncrementalKeyedSnapshot } from '../state/keyed-state-backend.ts';
import type { SharedKeyGroupRef } from './subtask-state.ts';

/**
 * Which shared file holds each key group's state, for the incremental checkpoints of one keyed
 * operator subtask. Mirrors the backend's baseline (`ChangedKeyGroups`): `begin` takes the files
 * of the unchanged key groups from the baseline checkpoint, `finish` records the files written
 * for the changed ones, `complete` makes a checkpoint the new baseline once it is durable.
 *
 * Shared file names carry the operator uid, the key group, the checkpoint that wrote them and a
 * random part per subtask attempt (`<uid>/kg-<g>-chk-<n>-<nonce>`): never overwritten, not even
 * by a later run that reuses checkpoint numbers, so checkpoints can reference them safely.
 *
 * @example
 * ```ts
 * const files = new SharedKeyGroupFiles('counts');
 * const unchanged = files.begin(backend.snapshotIncrementalAsync(7));
 * files.finish(7, [{ keyGroup: 3, path: files.pathFor(3, 7) }]);
 * files.complete(7);
 * ```
 */
export class SharedKeyGroupFiles {
  readonly uid: string;
  private readonly nonce = randomBytes(4).toString('hex');
  private base: { readonly id: number; readonly files: ReadonlyMap<number, string> } | undefined;
  private readonly pending = new Map<number, Map<number, string>>();

  constructor(uid: string) {
    this.uid = uid;
  }

  /** The shared file path (relative to the job's `shared/`) for key group `keyGroup` written by `checkpointId`. */
  pathFor(keyGroup: number, checkpointId: number): string {
    return `${encodeURIComponent(this.uid)}/kg-${keyGroup}-chk-${checkpointId}-${this.nonce}`;
  }

  /** Starts checkpoint `snapshot.checkpointId`: the files of its unchanged key groups (those with state). */
  begin(snapshot: Omit<PendingIncrementalKeyedSnapshot, 'changed'>): SharedKeyGroupRef[] {
    const { baseCheckpointId, checkpointId } = snapshot;
    const refs: SharedKeyGroupRef[] = [];
    if (baseCheckpointId !== undefined) {
      if (this.base?.id !== baseCheckpointId) {
        throw new SluiceError(
          'ILLEGAL_STATE',
          `Incremental checkpoint ${checkpointId} of '${this.uid}' is relative to checkpoint ${baseCheckpointId}, ` +
            `but the shared files known are those of ${this.base === undefined ? 'no checkpoint' : `checkpoint ${this.base.id}`}.`,
        );
      }
      for (const keyGroup of snapshot.unchangedKeyGroups) {
        const path = this.base.files.get(keyGroup);
        if (path !== undefined) refs.push({ keyGroup, path });
      }
    }
    this.pending.set(checkpointId, new Map(refs.map((r) => [r.keyGroup, r.path])));
    return refs;
  }

  /** The changed key groups of checkpoint `checkpointId` were written to these files. */
  finish(checkpointId: number, created: readonly SharedKeyGroupRef[]): void {
    const files = this.pending.get(checkpointId);
    if (files === undefined) return; // aborted meanwhile
    for (const r of created) files.set(r.keyGroup, r.path);
  }

  /** Checkpoint `checkpointId` is durable: its files are the baseline. Returns whether it was one of ours. */
  complete(checkpointId: number): boolean {
    const files = this.pending.get(checkpointId);
    if (files === undefined) return false;
    this.base = { id: checkpointId, files };
    for (const id of [...this.pending.keys()]) if (id <= checkpointId) this.pending.delete(id);
    return true;
  }
}
