import { SluiceError } from '../errors.ts';
import { assertStateFilePath, type CheckpointRef, CheckpointPaths } from './paths.ts';

/**
 * Version of the `_metadata` format this build writes and reads.
 *
 * @example
 * ```ts
 * if (metadata.formatVersion !== CHECKPOINT_FORMAT_VERSION) console.warn('older format');
 * ```
 */
export const CHECKPOINT_FORMAT_VERSION = 1;

/**
 * Plain JSON data: what source positions (offsets per split) are stored as.
 *
 * @example
 * ```ts
 * const position: JsonValue = { 'orders-0': '1042', 'orders-1': '977' };
 * ```
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * One state file of a checkpoint: its path relative to the checkpoint's directory, its size and
 * the SHA-256 digest (lowercase hex) of its bytes.
 *
 * @example
 * ```ts
 * const file: CheckpointFileEntry = { path: 'counts/kg-0-127', sizeBytes: 2048, sha256: 'e3b0c4…' };
 * ```
 */
export interface CheckpointFileEntry {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/**
 * The fields every `_metadata` record has, whatever its kind.
 *
 * @example
 * ```ts
 * const body: CheckpointMetadataBody = {
 *   formatVersion: 1, jobId: 'orders', checkpointId: 7, triggeredAt: 1000, completedAt: 1250,
 *   totalSizeBytes: 0, sourcePositions: {}, files: [],
 * };
 * ```
 */
export interface CheckpointMetadataBody {
  readonly formatVersion: typeof CHECKPOINT_FORMAT_VERSION;
  readonly jobId: string;
  /** The barrier number; savepoints take theirs from the same counter. */
  readonly checkpointId: number;
  /** Epoch milliseconds when the coordinator triggered the checkpoint. */
  readonly triggeredAt: number;
  /** Epoch milliseconds when the last acknowledgement arrived; duration = completedAt - triggeredAt. */
  readonly completedAt: number;
  /** Sum of the state files' sizes (the `_metadata` file itself not counted). */
  readonly totalSizeBytes: number;
  /** Per source operator uid: its position (offsets per split), as plain JSON data. */
  readonly sourcePositions: { readonly [operatorUid: string]: JsonValue };
  /** Every state file of the checkpoint, sorted by path. */
  readonly files: readonly CheckpointFileEntry[];
  /**
   * Incremental checkpoints: the shared state files (paths relative to `<jobId>/shared/`) the
   * checkpoint needs, whether it wrote them or an earlier checkpoint did; sorted by path, not
   * counted in `totalSizeBytes`. Absent for full checkpoints and savepoints.
   */
  readonly sharedFiles?: readonly CheckpointFileEntry[];
}

/**
 * The record stored as `_metadata`, written last: a checkpoint exists once it does.
 *
 * @example
 * ```ts
 * const meta = decodeCheckpointMetadata(bytes);
 * if (meta.kind === 'savepoint') console.log(meta.savepointId, meta.completedAt - meta.triggeredAt, 'ms');
 * ```
 */
export type CheckpointMetadata =
  | (CheckpointMetadataBody & { readonly kind: 'checkpoint' })
  | (CheckpointMetadataBody & { readonly kind: 'savepoint'; readonly savepointId: string });

/**
 * The {@link CheckpointRef} a metadata record belongs to.
 *
 * @example
 * ```ts
 * paths.dirOf(refOf(meta));
 * ```
 */
export function refOf(metadata: CheckpointMetadata): CheckpointRef {
  return metadata.kind === 'checkpoint'
    ? { kind: 'checkpoint', checkpointId: metadata.checkpointId }
    : { kind: 'savepoint', savepointId: metadata.savepointId };
}

function corrupt(where: string, problem: string): SluiceError {
  return new SluiceError(
    'CORRUPT_CHECKPOINT',
    `${where} is not a valid checkpoint metadata record: ${problem}. ` +
      'Restore from an older checkpoint or savepoint; do not edit _metadata by hand.',
    { retriable: false },
  );
}

function canonical(value: unknown, at: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new SluiceError('INVALID_ARGUMENT', `${at} is ${value}; JSON has no such number.`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => canonical(item, `${at}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = canonical((value as Record<string, unknown>)[key], `${at}.${key}`);
    }
    return out;
  }
  throw new SluiceError(
    'INVALID_ARGUMENT',
    `${at} is a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}; ` +
      'checkpoint metadata holds plain JSON data only (convert bigints and dates to strings).',
  );
}

/**
 * Encodes metadata as canonical JSON (keys sorted at every level, two-space indentation, a final
 * newline), so equal records give equal bytes. Rejects values JSON cannot hold.
 *
 * @example
 * ```ts
 * await storage.writeFile(paths.metadataFile(refOf(meta)), encodeCheckpointMetadata(meta));
 * ```
 */
export function encodeCheckpointMetadata(metadata: CheckpointMetadata): Uint8Array {
  const where = `metadata of ${CheckpointPaths.describe(refOf(metadata))}`;
  // Validate by decoding what we would write: the writer never produces what the reader rejects.
  const text = `${JSON.stringify(canonical(metadata, 'metadata'), null, 2)}\n`;
  try {
    decodeCheckpointMetadata(text, where);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SluiceError('INVALID_ARGUMENT', `Refusing to write invalid checkpoint metadata: ${reason}`, {
      cause: error,
    });
  }
  return new TextEncoder().encode(text);
}

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonNegativeInteger(raw: Raw, key: string, where: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw corrupt(where, `'${key}' must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonEmptyString(raw: Raw, key: string, where: string): string {
  const value = raw[key];
  if (typeof value !== 'string' || value === '') {
    throw corrupt(where, `'${key}' must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function decodeFile(raw: unknown, index: number, where: string): CheckpointFileEntry {
  if (!isRecord(raw)) throw corrupt(where, `files[${index}] is not an object`);
  const path = nonEmptyString(raw, 'path', where);
  try {
    assertStateFilePath(path);
  } catch (e) {
    throw corrupt(where, `files[${index}].path: ${(e as Error).message}`);
  }
  const sha256 = nonEmptyString(raw, 'sha256', where);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw corrupt(where, `files[${index}].sha256 is not a lowercase hex SHA-256`);
  return { path, sizeBytes: nonNegativeInteger(raw, 'sizeBytes', where), sha256 };
}

/**
 * Decodes and validates a `_metadata` record. Anything else (not JSON, missing or mistyped
 * fields, an unknown format version, sizes that do not add up, duplicate paths) throws a
 * {@link SluiceError} with code `CORRUPT_CHECKPOINT` naming `where` and the problem.
 *
 * @example
 * ```ts
 * const meta = decodeCheckpointMetadata(await storage.readFile(key), key);
 * ```
 */
export function decodeCheckpointMetadata(bytes: Uint8Array | string, where = '_metadata'): CheckpointMetadata {
  let parsed: unknown;
  try {
    const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    parsed = JSON.parse(text);
  } catch (e) {
    throw corrupt(where, `not UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isRecord(parsed)) throw corrupt(where, 'not a JSON object');
  if (parsed['formatVersion'] !== CHECKPOINT_FORMAT_VERSION) {
    throw corrupt(
      where,
      `format version ${JSON.stringify(parsed['formatVersion'])} is not ${CHECKPOINT_FORMAT_VERSION} ` +
        '(written by another Sluice version?)',
    );
  }
  const kind = parsed['kind'];
  if (kind !== 'checkpoint' && kind !== 'savepoint') throw corrupt(where, `'kind' must be 'checkpoint' or 'savepoint'`);
  const jobId = nonEmptyString(parsed, 'jobId', where);
  const checkpointId = nonNegativeInteger(parsed, 'checkpointId', where);
  const triggeredAt = nonNegativeInteger(parsed, 'triggeredAt', where);
  const completedAt = nonNegativeInteger(parsed, 'completedAt', where);
  if (completedAt < triggeredAt) throw corrupt(where, `'completedAt' (${completedAt}) precedes 'triggeredAt'`);
  const totalSizeBytes = nonNegativeInteger(parsed, 'totalSizeBytes', where);
  const positions = parsed['sourcePositions'];
  if (!isRecord(positions)) throw corrupt(where, `'sourcePositions' must be an object`);
  const rawFiles = parsed['files'];
  if (!Array.isArray(rawFiles)) throw corrupt(where, `'files' must be an array`);
  const files = rawFiles.map((file, i) => decodeFile(file, i, where));
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw corrupt(where, `file '${file.path}' is listed twice`);
    seen.add(file.path);
  }
  const rawShared = parsed['sharedFiles'];
  if (rawShared !== undefined && !Array.isArray(rawShared)) throw corrupt(where, `'sharedFiles' must be an array`);
  const sharedFiles = rawShared?.map((file, i) => decodeFile(file, i, where));
  const seenShared = new Set<string>();
  for (const file of sharedFiles ?? []) {
    if (seenShared.has(file.path)) throw corrupt(where, `shared file '${file.path}' is listed twice`);
    seenShared.add(file.path);
  }
  const sum = files.reduce((total, file) => total + file.sizeBytes, 0);
  if (sum !== totalSizeBytes)
    throw corrupt(where, `'totalSizeBytes' is ${totalSizeBytes} but the files add up to ${sum}`);
  const body: CheckpointMetadataBody = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    jobId,
    checkpointId,
    triggeredAt,
    completedAt,
    totalSizeBytes,
    sourcePositions: positions as CheckpointMetadataBody['sourcePositions'],
    files,
    ...(sharedFiles === undefined ? {} : { sharedFiles }),
  };
  if (kind === 'checkpoint') return { kind, ...body };
  const savepointId = nonEmptyString(parsed, 'savepointId', where);
  return { kind, savepointId, ...body };
}
