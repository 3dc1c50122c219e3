import type { EncodedRecords } from './epoch-buffer.ts';

/**
 * The pure decisions of the exactly-once Kafka sink (docs/kafka-exactly-once.md): names, which
 * epochs a commit still has to write, and what recovery cleans up. The I/O lives in the committer.
 */

/**
 * One epoch of one writer subtask: the records it wrote between two checkpoint barriers, kept in
 * the checkpoint (write-ahead) until a transaction made them visible.
 *
 * @example
 * ```ts
 * const c: KafkaSinkCommittable = { writer: 0, checkpointId: 7, records: epoch.seal(), payloadBytes: 1_024 };
 * ```
 */
export interface KafkaSinkCommittable {
  /** The writer subtask (its marker group is `<prefix>-<writer>`). */
  readonly writer: number;
  /** The checkpoint that sealed the epoch (`Number.MAX_SAFE_INTEGER`: the last epoch at end of input); the marker value. */
  readonly checkpointId: number;
  readonly records: EncodedRecords;
  /** Key + value + header bytes (for the bytes metric). */
  readonly payloadBytes: number;
}

/**
 * The characters allowed in a transactional id prefix (Kafka allows more; these are safe in
 * ACL patterns and logs).
 */
export const TRANSACTIONAL_ID_PREFIX = /^[A-Za-z0-9._-]+$/;

/**
 * The default transactional id prefix of a sink: `sluice-<uid>` with characters outside
 * {@link TRANSACTIONAL_ID_PREFIX} replaced by `_`.
 *
 * @example
 * ```ts
 * defaultTransactionalIdPrefix('alerts sink'); // 'sluice-alerts_sink'
 * ```
 */
export function defaultTransactionalIdPrefix(operatorUid: string): string {
  return `sluice-${operatorUid.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** The transactional id of sink subtask `subtask`. */
export function transactionalIdOf(prefix: string, subtask: number): string {
  return `${prefix}-${subtask}`;
}

/** The idempotence-marker group of writer subtask `writer` (its committed offset = last committed checkpoint). */
export function markerGroupOf(prefix: string, writer: number): string {
  return `${prefix}-${writer}`;
}

/**
 * Writer subtasks that a scale-down removed and that `subtask` now owns (`w % parallelism ===
 * subtask`): recovery re-initialises their transactional ids, which fences zombies and aborts
 * open transactions no live producer would ever finish.
 *
 * @example
 * ```ts
 * removedWriterSubtasks(1, 2, 5); // [3]
 * ```
 */
export function removedWriterSubtasks(subtask: number, parallelism: number, restoredParallelism: number): number[] {
  const out: number[] = [];
  for (let w = parallelism; w < restoredParallelism; w++) if (w % parallelism === subtask) out.push(w);
  return out;
}

/**
 * Whether recovery resets subtask `subtask`'s marker group to 0: on a fresh start (a new run
 * must not inherit the markers of an earlier run with the same prefix, which would hide its
 * epochs), and for a subtask that did not exist anywhere in the restored lineage. Never for a
 * marker a restored epoch may still be compared with.
 *
 * @example
 * ```ts
 * shouldResetMarker(0, undefined, undefined); // true: fresh start
 * shouldResetMarker(3, 12, 2); // true: scale-up, writer 3 is new
 * shouldResetMarker(1, 12, 2); // false
 * ```
 */
export function shouldResetMarker(
  subtask: number,
  restoredCheckpointId: number | undefined,
  restoredParallelism: number | undefined,
): boolean {
  if (restoredCheckpointId === undefined) return true;
  return restoredParallelism !== undefined && subtask >= restoredParallelism;
}

/**
 * What one transaction writes for one writer subtask: its epochs newer than its marker, in
 * checkpoint order, and the new marker.
 *
 * @example
 * ```ts
 * const plan: WriterCommit = { writer: 0, marker: 9, epochs: [c8, c9], skipped: [c7] };
 * ```
 */
export interface WriterCommit {
  readonly writer: number;
  /** The marker to commit with the transaction: the newest epoch's checkpoint id. */
  readonly marker: number;
  readonly epochs: readonly KafkaSinkCommittable[];
  /** Epochs at or below the marker: committed before (e.g. by a crashed attempt). */
  readonly skipped: readonly KafkaSinkCommittable[];
}

/**
 * Plans a commit: per writer (ascending), the epochs whose checkpoint id is above the writer's
 * committed marker (absent = 0). A writer's epochs are committed in one transaction with the
 * marker of the newest one, so a marker `m` means "every epoch of this writer up to `m` is
 * visible" — which is why one committer must own all uncommitted epochs of a writer.
 *
 * @example
 * ```ts
 * planCommits([{ writer: 0, checkpointId: 5, ... }, { writer: 0, checkpointId: 6, ... }], new Map([[0, 5]]));
 * // [{ writer: 0, marker: 6, epochs: [epoch 6], skipped: [epoch 5] }]
 * ```
 */
export function planCommits(
  committables: readonly KafkaSinkCommittable[],
  markers: ReadonlyMap<number, number>,
): WriterCommit[] {
  const byWriter = new Map<number, KafkaSinkCommittable[]>();
  for (const c of committables) {
    const list = byWriter.get(c.writer) ?? [];
    list.push(c);
    byWriter.set(c.writer, list);
  }
  const plans: WriterCommit[] = [];
  for (const writer of [...byWriter.keys()].sort((a, b) => a - b)) {
    const list = (byWriter.get(writer) as KafkaSinkCommittable[]).sort((a, b) => a.checkpointId - b.checkpointId);
    const committed = markers.get(writer) ?? 0;
    const epochs = list.filter((c) => c.checkpointId > committed);
    const skipped = list.filter((c) => c.checkpointId <= committed);
    const last = epochs.at(-1);
    plans.push({ writer, marker: last === undefined ? committed : last.checkpointId, epochs, skipped });
  }
  return plans;
}
