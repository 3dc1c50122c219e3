import { SluiceError } from '../errors.ts';

/**
 * Which checkpoint a path, metadata record or request is about: a numbered checkpoint, or a
 * savepoint named by its id.
 *
 * @example
 * ```ts
 * const ref: CheckpointRef = { kind: 'checkpoint', checkpointId: 42 };
 * const sp: CheckpointRef = { kind: 'savepoint', savepointId: 'before-upgrade' };
 * ```
 */
export type CheckpointRef =
  | { readonly kind: 'checkpoint'; readonly checkpointId: number }
  | { readonly kind: 'savepoint'; readonly savepointId: string };

/**
 * Name of the file written LAST into a checkpoint's directory. A directory without it is not a
 * checkpoint (it is in progress, or was abandoned by a crash).
 *
 * @example
 * ```ts
 * paths.metadataFile({ kind: 'checkpoint', checkpointId: 3 }); // 'orders/chk-3/_metadata'
 * ```
 */
export const METADATA_FILE_NAME = '_metadata';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const CHECKPOINT_DIR = /^chk-(0|[1-9][0-9]*)$/;
const SAVEPOINT_DIR = /^sp-([A-Za-z0-9][A-Za-z0-9._-]*)$/;
const SHARED_FILE = /-chk-(0|[1-9][0-9]*)-[A-Za-z0-9._]*$/;

function invalid(what: string, value: string, rule: string): SluiceError {
  return new SluiceError('INVALID_ARGUMENT', `Invalid ${what} '${value}': ${rule}.`);
}

/**
 * Checks a checkpoint id: a non-negative safe integer.
 *
 * @example
 * ```ts
 * assertCheckpointId(7); // ok
 * assertCheckpointId(-1); // throws INVALID_ARGUMENT
 * ```
 */
export function assertCheckpointId(checkpointId: number): void {
  if (!Number.isSafeInteger(checkpointId) || checkpointId < 0) {
    throw invalid('checkpoint id', String(checkpointId), 'use a non-negative integer');
  }
}

/**
 * Checks a state file path relative to a checkpoint's directory: `/`-separated segments of
 * letters, digits, `.`, `_` and `-`, none empty, none starting with a dot (so `..` and the
 * storage's hidden temporary files can never be named), and not {@link METADATA_FILE_NAME}.
 *
 * @example
 * ```ts
 * assertStateFilePath('window-counts/kg-0-63'); // ok
 * assertStateFilePath('../escape'); // throws INVALID_ARGUMENT
 * ```
 */
export function assertStateFilePath(path: string): void {
  const rule = "use '/'-separated names of letters, digits, '.', '_' and '-' that do not start with '.'";
  if (path === METADATA_FILE_NAME) throw invalid('state file path', path, `'${METADATA_FILE_NAME}' is reserved`);
  for (const segment of path.split('/')) {
    if (!NAME.test(segment)) throw invalid('state file path', path, rule);
  }
}

/**
 * The one path builder of checkpoint storage (STYLE.md 7). Every key it returns is relative to
 * the storage's root (a directory for {@link FsCheckpointStorage}, a bucket prefix for
 * {@link S3CheckpointStorage}):
 *
 * ```
 * <jobId>/chk-<n>/_metadata             checkpoint n, complete once _metadata exists
 * <jobId>/chk-<n>/<state file path>     its state files
 * <jobId>/savepoints/sp-<id>/_metadata  savepoint <id> (never deleted by retention)
 * <jobId>/savepoints/sp-<id>/<path>
 * <jobId>/shared/<path>                 incremental state shared across checkpoints: key-group
 *                                       files named `…-chk-<n>-…` after the checkpoint that wrote
 *                                       them; deleted once no retained checkpoint lists them
 * ```
 *
 * Checkpoint numbers are not zero-padded (as in Flink); order them numerically.
 *
 * @example
 * ```ts
 * const paths = new CheckpointPaths('orders');
 * paths.checkpointDir(3); // 'orders/chk-3'
 * paths.stateFile({ kind: 'savepoint', savepointId: 'v2' }, 'op/kg-0'); // 'orders/savepoints/sp-v2/op/kg-0'
 * ```
 */
export class CheckpointPaths {
  readonly jobId: string;
  /** `<jobId>`: parent of every `chk-<n>`. */
  readonly jobDir: string;
  /** `<jobId>/savepoints`: parent of every `sp-<id>`. */
  readonly savepointsDir: string;
  /** `<jobId>/shared`: state files of incremental checkpoints, referenced from their `_metadata`. */
  readonly sharedDir: string;

  constructor(jobId: string) {
    if (!NAME.test(jobId)) {
      throw invalid('job id', jobId, "use letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    this.jobId = jobId;
    this.jobDir = jobId;
    this.savepointsDir = `${jobId}/savepoints`;
    this.sharedDir = `${jobId}/shared`;
  }

  /** `<jobId>/chk-<n>`. */
  checkpointDir(checkpointId: number): string {
    assertCheckpointId(checkpointId);
    return `${this.jobDir}/chk-${checkpointId}`;
  }

  /** `<jobId>/savepoints/sp-<id>`. */
  savepointDir(savepointId: string): string {
    if (!NAME.test(savepointId)) {
      throw invalid(
        'savepoint id',
        savepointId,
        "use letters, digits, '.', '_' and '-', starting with a letter or digit",
      );
    }
    return `${this.savepointsDir}/sp-${savepointId}`;
  }

  /** The directory of a checkpoint or savepoint. */
  dirOf(ref: CheckpointRef): string {
    return ref.kind === 'checkpoint' ? this.checkpointDir(ref.checkpointId) : this.savepointDir(ref.savepointId);
  }

  /** `<dir>/_metadata`. */
  metadataFile(ref: CheckpointRef): string {
    return `${this.dirOf(ref)}/${METADATA_FILE_NAME}`;
  }

  /** `<dir>/<path>`; `path` is checked with {@link assertStateFilePath}. */
  stateFile(ref: CheckpointRef, path: string): string {
    assertStateFilePath(path);
    return `${this.dirOf(ref)}/${path}`;
  }

  /** `<jobId>/shared/<path>`; `path` is checked with {@link assertStateFilePath}. */
  sharedFile(path: string): string {
    assertStateFilePath(path);
    return `${this.sharedDir}/${path}`;
  }

  /**
   * The checkpoint that wrote a shared file, from its name (`…-chk-<n>-<suffix>` in the last
   * segment), or `undefined` when the name does not say.
   */
  static creatorOfSharedFile(path: string): number | undefined {
    const match = SHARED_FILE.exec(path);
    if (match === null) return undefined;
    const id = Number(match[1]);
    return Number.isSafeInteger(id) ? id : undefined;
  }

  /** The checkpoint number of a `chk-<n>` directory name, or `undefined` for any other name. */
  static parseCheckpointDirName(name: string): number | undefined {
    const match = CHECKPOINT_DIR.exec(name);
    if (match === null) return undefined;
    const id = Number(match[1]);
    return Number.isSafeInteger(id) ? id : undefined;
  }

  /** The savepoint id of an `sp-<id>` directory name, or `undefined` for any other name. */
  static parseSavepointDirName(name: string): string | undefined {
    return SAVEPOINT_DIR.exec(name)?.[1];
  }

  /** A readable name for logs: `chk-7` or `savepoint 'v2'`. */
  static describe(ref: CheckpointRef): string {
    return ref.kind === 'checkpoint' ? `chk-${ref.checkpointId}` : `savepoint '${ref.savepointId}'`;
  }
}
