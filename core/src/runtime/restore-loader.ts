import type { RestoreFrom } from '../checkpoint/checkpoint-config.ts';
import type { CheckpointStore, VerifiedCheckpoint } from '../checkpoint/checkpoint-store.ts';
import { newerSavepoint } from '../checkpoint/latest-restore-point.ts';
import { SluiceError } from '../errors.ts';
import type { PhysicalPlan } from './physical-plan.ts';
import { decodeSubtaskState, RestoredOperator, type SubtaskState, uidOfStatePath } from './subtask-state.ts';

/** The state a job starts from: one {@link RestoredOperator} per operator uid. */
export interface RestoredJobState {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly operators: ReadonlyMap<string, RestoredOperator>;
}

/**
 * Reads the checkpoint or savepoint to restore (verifying every file's size and digest; for
 * `'latest'` the store falls back past damaged checkpoints with a log line, and fails rather than
 * start from nothing when every completed one is damaged; a savepoint that completed after the
 * newest checkpoint wins over it) and matches its state to the plan's
 * operators by uid. Each file is read once: what is decoded is what was verified. State of a uid the job no longer has fails the restore unless
 * `allowNonRestoredState`. Returns undefined for `'latest'` when there is no checkpoint yet.
 *
 * @example
 * ```ts
 * const restored = await loadRestoredState(store, 'latest', plan);
 * ```
 */
export async function loadRestoredState(
  store: CheckpointStore,
  from: RestoreFrom,
  plan: PhysicalPlan,
): Promise<RestoredJobState | undefined> {
  let verified: VerifiedCheckpoint | undefined;
  if (from === 'latest') {
    // A savepoint that completed after the newest checkpoint (e.g. the stop-with-savepoint of
    // the last shutdown) is the latest state: restore it rather than the checkpoint before it.
    const savepoints = await store.listSavepoints();
    let savepoint = newerSavepoint((await store.listCheckpoints()).at(-1), savepoints);
    if (savepoint === undefined) {
      verified = await store.latestIntact();
      savepoint = newerSavepoint(verified?.metadata, savepoints); // it fell back past damaged ones
    }
    if (savepoint?.savepointId !== undefined) {
      verified = await store.readVerified({ kind: 'savepoint', savepointId: savepoint.savepointId });
    }
    if (verified === undefined) return undefined;
  } else if ('checkpointId' in from) {
    verified = await store.readVerified({ kind: 'checkpoint', checkpointId: from.checkpointId });
  } else {
    verified = await store.readVerified({ kind: 'savepoint', savepointId: from.savepointId });
  }
  const { metadata } = verified;
  const allowNonRestored = from !== 'latest' && 'allowNonRestoredState' in from && from.allowNonRestoredState === true;
  const byUid = new Map<string, SubtaskState[]>();
  for (const file of metadata.files) {
    const uid = uidOfStatePath(file.path);
    if (uid === undefined) continue;
    // Verified against the metadata's size and SHA-256 digest when it was read.
    const bytes = verified.files.get(file.path) as Uint8Array;
    let state = decodeSubtaskState(bytes, `${file.path} of checkpoint ${metadata.checkpointId}`);
    const shared = state.sharedKeyGroups ?? [];
    if (shared.length > 0) {
      // Incremental checkpoint: key groups in shared files (verified against the metadata too).
      state = {
        ...state,
        sharedKeyed: await store.readSharedFiles(
          metadata,
          shared.map((r) => r.path),
        ),
      };
    }
    if (state.maxParallelism !== plan.maxParallelism) {
      throw new SluiceError(
        'SNAPSHOT_INCOMPATIBLE',
        `Operator '${uid}' was checkpointed with maxParallelism ${state.maxParallelism}; the job now has ` +
          `${plan.maxParallelism}. Key groups depend on it: keep maxParallelism ${state.maxParallelism}.`,
      );
    }
    byUid.set(uid, [...(byUid.get(uid) ?? []), state]);
  }
  const uids = new Set(plan.vertices.map((v) => v.uid));
  const orphaned = [...byUid.keys()].filter((uid) => !uids.has(uid));
  if (orphaned.length > 0 && !allowNonRestored) {
    throw new SluiceError(
      'SNAPSHOT_INCOMPATIBLE',
      `The ${metadata.kind} ${metadata.checkpointId} has state for operators this job does not have: ` +
        `${orphaned.map((u) => `'${u}'`).join(', ')}. Restore with allowNonRestoredState: true to drop it, ` +
        'or give the operators their old uids.',
    );
  }
  const operators = new Map<string, RestoredOperator>();
  for (const [uid, states] of byUid)
    if (uids.has(uid)) operators.set(uid, new RestoredOperator(metadata.checkpointId, states));
  return { checkpointId: metadata.checkpointId, kind: metadata.kind, operators };
}
