import type { CheckpointMetadata } from './metadata.ts';

/**
 * What inspecting one checkpoint found (the I/O part, done by {@link CheckpointStore}): its
 * `_metadata` (absent, undecodable, or decoded) and, for each listed state file, what is stored.
 *
 * @example
 * ```ts
 * const inspection: CheckpointInspection = {
 *   checkpointId: 4,
 *   metadata: { state: 'ok', metadata },
 *   files: [{ path: 'op/kg-0', found: { sizeBytes: 10, sha256: 'ab…' } }],
 * };
 * ```
 */
export interface CheckpointInspection {
  readonly checkpointId: number;
  readonly metadata:
    | { readonly state: 'missing' }
    | { readonly state: 'corrupt'; readonly problem: string }
    | { readonly state: 'ok'; readonly metadata: CheckpointMetadata };
  /** One entry per file the metadata lists; `found` is undefined when the file is missing. */
  readonly files: readonly {
    readonly path: string;
    readonly found: { readonly sizeBytes: number; readonly sha256: string } | undefined;
  }[];
}

/**
 * Why a checkpoint cannot be restored.
 *
 * @example
 * ```ts
 * const reason: SkipReason = 'digest-mismatch';
 * ```
 */
export type SkipReason =
  | 'missing-metadata'
  | 'corrupt-metadata'
  | 'missing-file'
  | 'truncated-file'
  | 'digest-mismatch';

/**
 * The verdict on one inspected checkpoint.
 *
 * @example
 * ```ts
 * const v = judgeCheckpoint(inspection);
 * if (v.verdict === 'skip') console.warn(`chk-${v.checkpointId}: ${v.detail}`);
 * ```
 */
export type CheckpointVerdict =
  | { readonly verdict: 'usable'; readonly checkpointId: number; readonly metadata: CheckpointMetadata }
  | { readonly verdict: 'skip'; readonly checkpointId: number; readonly reason: SkipReason; readonly detail: string };

/**
 * Judges an inspected checkpoint: usable only with decodable `_metadata` and every listed file
 * present with the listed size and SHA-256 digest.
 *
 * @example
 * ```ts
 * judgeCheckpoint({ checkpointId: 3, metadata: { state: 'missing' }, files: [] });
 * // { verdict: 'skip', checkpointId: 3, reason: 'missing-metadata', detail: 'no _metadata (never completed)' }
 * ```
 */
export function judgeCheckpoint(inspection: CheckpointInspection): CheckpointVerdict {
  const { checkpointId } = inspection;
  const meta = inspection.metadata;
  if (meta.state === 'missing') {
    return { verdict: 'skip', checkpointId, reason: 'missing-metadata', detail: 'no _metadata (never completed)' };
  }
  if (meta.state === 'corrupt') {
    return { verdict: 'skip', checkpointId, reason: 'corrupt-metadata', detail: `corrupt _metadata: ${meta.problem}` };
  }
  const found = new Map(inspection.files.map((file) => [file.path, file.found]));
  for (const expected of meta.metadata.files) {
    const actual = found.get(expected.path);
    if (actual === undefined) {
      return {
        verdict: 'skip',
        checkpointId,
        reason: 'missing-file',
        detail: `state file '${expected.path}' is missing`,
      };
    }
    if (actual.sizeBytes !== expected.sizeBytes) {
      return {
        verdict: 'skip',
        checkpointId,
        reason: 'truncated-file',
        detail: `state file '${expected.path}' has ${actual.sizeBytes} bytes, expected ${expected.sizeBytes}`,
      };
    }
    if (actual.sha256 !== expected.sha256) {
      return {
        verdict: 'skip',
        checkpointId,
        reason: 'digest-mismatch',
        detail: `state file '${expected.path}' does not match its SHA-256 digest`,
      };
    }
  }
  return { verdict: 'usable', checkpointId, metadata: meta.metadata };
}

/**
 * Which checkpoint to restore.
 *
 * @example
 * ```ts
 * const d = chooseCheckpointToRestore(verdicts);
 * if (d.action === 'restore') restore(d.metadata);
 * ```
 */
export type RestoreDecision =
  | { readonly action: 'restore'; readonly metadata: CheckpointMetadata; readonly skipped: readonly SkippedVerdict[] }
  | { readonly action: 'start-fresh'; readonly skipped: readonly SkippedVerdict[] }
  | { readonly action: 'fail'; readonly skipped: readonly SkippedVerdict[] };

/**
 * A skipped checkpoint.
 *
 * @example
 * ```ts
 * const s: SkippedVerdict = { verdict: 'skip', checkpointId: 5, reason: 'missing-metadata', detail: '…' };
 * ```
 */
export type SkippedVerdict = Extract<CheckpointVerdict, { verdict: 'skip' }>;

/**
 * Picks the newest usable checkpoint among verdicts (any order); the skipped ones newer than it
 * are reported so the caller can say why it fell back. Without a usable one: start fresh when
 * no checkpoint ever completed (every one lacks `_metadata`: the job crashed before its first
 * checkpoint completed), but `fail` when a completed checkpoint exists and is damaged — starting
 * from nothing would silently drop the job's state and replay its input into sinks that
 * already committed it.
 *
 * @example
 * ```ts
 * chooseCheckpointToRestore([skip7, usable6, usable5]); // { action: 'restore', metadata: <chk-6>, skipped: [skip7] }
 * chooseCheckpointToRestore([truncated3]); // { action: 'fail', skipped: [truncated3] }
 * ```
 */
export function chooseCheckpointToRestore(verdicts: readonly CheckpointVerdict[]): RestoreDecision {
  const newestFirst = [...verdicts].sort((a, b) => b.checkpointId - a.checkpointId);
  const skipped: SkippedVerdict[] = [];
  for (const verdict of newestFirst) {
    if (verdict.verdict === 'usable') return { action: 'restore', metadata: verdict.metadata, skipped };
    skipped.push(verdict);
  }
  const damaged = skipped.some((s) => s.reason !== 'missing-metadata');
  return damaged ? { action: 'fail', skipped } : { action: 'start-fresh', skipped };
}

/**
 * What retention does with one checkpoint.
 *
 * @example
 * ```ts
 * for (const d of decideRetention(checkpoints, 3)) if (d.action === 'delete') await store.delete(d.checkpointId);
 * ```
 */
export type RetentionDecision =
  | { readonly action: 'keep'; readonly checkpointId: number; readonly reason: 'retained' | 'possibly-in-progress' }
  | { readonly action: 'delete'; readonly checkpointId: number; readonly reason: 'superseded' | 'abandoned' };

/**
 * Retention of checkpoints (never savepoints): keep the newest `retain` complete ones (with
 * `_metadata`), delete older complete ones (`superseded`) and incomplete ones older than the
 * newest complete one (`abandoned`: a crash or a failed checkpoint left them). Incomplete ones
 * newer than the newest complete may still be in progress and are kept. One decision per input,
 * newest first.
 *
 * @example
 * ```ts
 * decideRetention([{ checkpointId: 1, complete: true }, { checkpointId: 2, complete: true }], 1);
 * // [{ action: 'keep', checkpointId: 2, reason: 'retained' }, { action: 'delete', checkpointId: 1, reason: 'superseded' }]
 * ```
 */
export function decideRetention(
  checkpoints: readonly { readonly checkpointId: number; readonly complete: boolean }[],
  retain: number,
): RetentionDecision[] {
  const newestFirst = [...checkpoints].sort((a, b) => b.checkpointId - a.checkpointId);
  const newestComplete = newestFirst.find((c) => c.complete)?.checkpointId;
  let kept = 0;
  return newestFirst.map(({ checkpointId, complete }): RetentionDecision => {
    if (!complete) {
      return newestComplete === undefined || checkpointId > newestComplete
        ? { action: 'keep', checkpointId, reason: 'possibly-in-progress' }
        : { action: 'delete', checkpointId, reason: 'abandoned' };
    }
    if (kept < retain) {
      kept++;
      return { action: 'keep', checkpointId, reason: 'retained' };
    }
    return { action: 'delete', checkpointId, reason: 'superseded' };
  });
}

/**
 * What happens to a job's checkpoints when it is cancelled.
 *
 * @example
 * ```ts
 * const d = decideOnCancel(false, [3, 4]); // { action: 'delete-all', checkpointIds: [3, 4] }
 * ```
 */
export type CancelDecision =
  | { readonly action: 'keep-all' }
  | { readonly action: 'delete-all'; readonly checkpointIds: readonly number[] };

/**
 * On cancel, checkpoints are deleted unless the job keeps them (Flink's
 * `RETAIN_ON_CANCELLATION`); savepoints are never deleted.
 *
 * @example
 * ```ts
 * decideOnCancel(true, [3, 4]); // { action: 'keep-all' }
 * ```
 */
export function decideOnCancel(keepCheckpointsOnCancel: boolean, checkpointIds: readonly number[]): CancelDecision {
  if (keepCheckpointsOnCancel || checkpointIds.length === 0) return { action: 'keep-all' };
  return { action: 'delete-all', checkpointIds: [...checkpointIds].sort((a, b) => a - b) };
}
