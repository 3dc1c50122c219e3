import { CheckpointPaths } from './paths.ts';

/**
 * What retention knows about the shared files of incremental checkpoints (read from storage, so
 * the decision survives restarts).
 *
 * @example
 * ```ts
 * const input: SharedFilesInput = { stored: ['op/kg-1-chk-3-a1'], referenced: new Set(), newestCompleted: 4 };
 * ```
 */
export interface SharedFilesInput {
  /** Paths (relative to `<jobId>/shared/`) of the shared files in storage. */
  readonly stored: readonly string[];
  /** Paths listed by the `_metadata` of every checkpoint that stays. */
  readonly referenced: ReadonlySet<string>;
  /** The newest complete checkpoint; `undefined` when there is none. */
  readonly newestCompleted: number | undefined;
}

/**
 * The shared files to delete: those no remaining checkpoint lists, written by a checkpoint no
 * newer than the newest complete one. Files of newer checkpoints may belong to one still in
 * progress (its `_metadata` is not written yet), and files whose name does not say which
 * checkpoint wrote them are not ours to judge: both stay. Files of aborted checkpoints go with
 * the first retention after a newer checkpoint completed.
 *
 * @example
 * ```ts
 * decideSharedFileDeletions({ stored: ['op/kg-1-chk-3-a1', 'op/kg-2-chk-5-a1'], referenced: new Set(), newestCompleted: 4 });
 * // ['op/kg-1-chk-3-a1']
 * ```
 */
export function decideSharedFileDeletions(input: SharedFilesInput): string[] {
  const { newestCompleted } = input;
  if (newestCompleted === undefined) return [];
  return input.stored.filter((path) => {
    if (input.referenced.has(path)) return false;
    const creator = CheckpointPaths.creatorOfSharedFile(path);
    return creator !== undefined && creator <= newestCompleted;
  });
}
