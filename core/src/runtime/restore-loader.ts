import type { RestoreFrom } from '../checkpoint/checkpoint-config.ts';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.ts';
import type { CheckpointMetadata } from '../checkpoint/metadata.ts';
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
 * `'latest'` the store falls back past damaged checkpoints with a log line) and matches its state
 * to the plan's operators by uid. State of a uid the job no longer has fails the restore unless
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
  let metadata: CheckpointMetadata | undefined;
  if (from === 'latest') {
    metadata = await store.latestCompleted();
    if (metadata === undefined) return undefined;
  } else if ('checkpointId' in from) {
    metadata = await store.readMetadata({ kind: 'checkpoint', checkpointId: from.checkpointId });
  } else {
    metadata = await store.readMetadata({ kind: 'savepoint', savepointId: from.savepointId });
  }
  const allowNonRestored = from !== 'latest' && 'allowNonRestoredState' in from && from.allowNonRestoredState === true;
  const byUid = new Map<string, SubtaskState[]>();
  for (const file of metadata.files) {
    const uid = uidOfStatePath(file.path);
    if (uid === undefined) continue;
    const bytes = await store.readStateFile(metadata, file.path);
    const state = decodeSubtaskState(bytes, `${file.path} of checkpoint ${metadata.checkpointId}`);
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
