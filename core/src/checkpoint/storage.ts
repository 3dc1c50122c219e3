import { SluiceError } from '../errors.ts';

/**
 * A file in checkpoint storage: its key (relative to the storage's root) and size.
 *
 * @example
 * ```ts
 * const file: StoredFile = { key: 'orders/chk-3/_metadata', sizeBytes: 512 };
 * ```
 */
export interface StoredFile {
  readonly key: string;
  readonly sizeBytes: number;
}

/**
 * Where checkpoints are kept: a flat namespace of `/`-separated keys relative to a root (a
 * directory, a bucket prefix). Keys come from {@link CheckpointPaths}; a "directory" is a key
 * prefix followed by `/`, so `deleteDirectory('job/chk-1')` never touches `job/chk-10`.
 *
 * Contract: `writeFile` is all-or-nothing (a reader sees the old file, no file, or the whole new
 * file, never a prefix of it); `readFile` returns `undefined` for a missing key; failures are
 * {@link SluiceError}s with code `CHECKPOINT_STORAGE_FAILED`.
 *
 * @example
 * ```ts
 * const storage: CheckpointStorage = new FsCheckpointStorage({ directory: '/var/lib/sluice/checkpoints' });
 * await storage.writeFile('orders/chk-1/op/kg-0', bytes);
 * const files = await storage.list('orders/chk-1'); // [{ key: 'orders/chk-1/op/kg-0', sizeBytes: … }]
 * ```
 */
export interface CheckpointStorage {
  /** Where this storage points, without a trailing `/` (`file:///…`, `s3://bucket/prefix`); `<description>/<key>` names a file in logs. */
  readonly description: string;
  /** Writes the whole file atomically, replacing any file under `key`. */
  writeFile(key: string, data: Uint8Array): Promise<void>;
  /** The file's bytes, or `undefined` when there is no file under `key`. */
  readFile(key: string): Promise<Uint8Array | undefined>;
  /** Whether a file exists under `key`. */
  exists(key: string): Promise<boolean>;
  /** Every file below directory `dir` (recursively), sorted by key; `''` is the root. */
  list(dir: string): Promise<StoredFile[]>;
  /** Names (not keys) of the immediate subdirectories of `dir`, sorted. */
  listSubdirectories(dir: string): Promise<string[]>;
  /** Deletes one file; nothing happens when there is none. */
  deleteFile(key: string): Promise<void>;
  /** Deletes every file below directory `dir`; nothing happens when there is none. */
  deleteDirectory(dir: string): Promise<void>;
}

/**
 * Checks a storage key or directory: relative, `/`-separated, no empty, `.` or `..` segment.
 * `''` is allowed as a directory (the root) only.
 *
 * @example
 * ```ts
 * assertStorageKey('orders/chk-1/_metadata', 'key'); // ok
 * assertStorageKey('../etc/passwd', 'key'); // throws INVALID_ARGUMENT
 * ```
 */
export function assertStorageKey(key: string, what: 'key' | 'directory'): void {
  if (what === 'directory' && key === '') return;
  const bad = key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad || key.includes('\\') || key.includes('\0')) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `Invalid checkpoint storage ${what} '${key}': use a relative '/'-separated path without empty, '.' or '..' segments.`,
    );
  }
}

/**
 * Wraps a failure of the storage backend as `CHECKPOINT_STORAGE_FAILED`.
 *
 * @example
 * ```ts
 * throw storageFailed('write', 'file:///data/orders/chk-1/_metadata', err, false);
 * ```
 */
export function storageFailed(operation: string, location: string, cause: unknown, retriable: boolean): SluiceError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SluiceError(
    'CHECKPOINT_STORAGE_FAILED',
    `Checkpoint storage could not ${operation} ${location}: ${reason}. ` +
      'Check that the location exists, is writable and reachable, and that credentials are valid.',
    { cause, retriable },
  );
}
