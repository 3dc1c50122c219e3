import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SluiceError } from '../errors.ts';
import {
  type CancelDecision,
  type CheckpointInspection,
  type CheckpointVerdict,
  chooseCheckpointToRestore,
  decideOnCancel,
  decideRetention,
  judgeCheckpoint,
  type RetentionDecision,
} from './decisions.ts';
import {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointFileEntry,
  type CheckpointMetadata,
  type CheckpointMetadataBody,
  decodeCheckpointMetadata,
  encodeCheckpointMetadata,
  refOf,
} from './metadata.ts';
import { type CheckpointRef, CheckpointPaths } from './paths.ts';
import { decideSharedFileDeletions } from './shared-file-decisions.ts';
import type { CheckpointStorage } from './storage.ts';

/**
 * Where {@link CheckpointStore} reports what it skipped or could not clean up.
 *
 * @example
 * ```ts
 * const logger: CheckpointLogger = { warn: (line) => pino.warn(line) };
 * ```
 */
export interface CheckpointLogger {
  warn(message: string): void;
}

/**
 * Options of {@link CheckpointStore}.
 *
 * @example
 * ```ts
 * const options: CheckpointStoreOptions = { storage, jobId: 'orders', retainedCheckpoints: 3 };
 * ```
 */
export interface CheckpointStoreOptions {
  readonly storage: CheckpointStorage;
  readonly jobId: string;
  /** Completed checkpoints to keep; older ones are deleted when a new one completes. Default 1 (as Flink). */
  readonly retainedCheckpoints?: number;
  /** Keep checkpoints when the job is cancelled (Flink's `RETAIN_ON_CANCELLATION`); default false. */
  readonly keepCheckpointsOnCancel?: boolean;
  /** State files {@link CheckpointStore.writeCheckpoint} writes at the same time; default 8. */
  readonly writeConcurrency?: number;
  /** Default `console`. */
  readonly logger?: CheckpointLogger;
}

/**
 * What the caller knows about a checkpoint when it completes; the store adds the job id, file
 * list, total size and format version.
 *
 * @example
 * ```ts
 * const c: NewCheckpoint = {
 *   kind: 'checkpoint', checkpointId: 8, triggeredAt: 1_000, completedAt: 1_250,
 *   sourcePositions: { 'orders-source': { 'orders-0': '1042' } },
 * };
 * ```
 */
export type NewCheckpoint =
  | (NewCheckpointBody & { readonly kind: 'checkpoint' })
  | (NewCheckpointBody & { readonly kind: 'savepoint'; readonly savepointId: string });

/**
 * The common fields of {@link NewCheckpoint}.
 *
 * @example
 * ```ts
 * const body: NewCheckpointBody = { checkpointId: 8, triggeredAt: 1_000, completedAt: 1_250, sourcePositions: {} };
 * ```
 */
export type NewCheckpointBody = Pick<
  CheckpointMetadataBody,
  'checkpointId' | 'triggeredAt' | 'completedAt' | 'sourcePositions'
>;

/**
 * One line of a checkpoint listing.
 *
 * @example
 * ```ts
 * for (const c of await store.listCheckpoints()) console.log(c.checkpointId, c.durationMs, c.totalSizeBytes);
 * ```
 */
export interface CheckpointInfo {
  readonly kind: 'checkpoint' | 'savepoint';
  readonly checkpointId: number;
  /** Set for savepoints only. */
  readonly savepointId: string | undefined;
  readonly triggeredAt: number;
  readonly completedAt: number;
  readonly durationMs: number;
  /** Size of everything a restore reads: its own state files plus the shared files it references. */
  readonly totalSizeBytes: number;
  /**
   * Bytes this checkpoint wrote: its own state files plus the shared files it created. Equal to
   * `totalSizeBytes` except for incremental checkpoints, which reference unchanged state instead.
   */
  readonly uploadedSizeBytes: number;
  readonly sourcePositions: CheckpointMetadataBody['sourcePositions'];
  /** State files a restore reads (shared files included). */
  readonly fileCount: number;
  /** Where it is: storage description + directory. */
  readonly location: string;
}

/**
 * A checkpoint or savepoint read back whole: its metadata and every state file's bytes, each
 * checked against the size and SHA-256 digest the metadata lists (so it is safe to restore).
 *
 * @example
 * ```ts
 * const verified = await store.latestIntact();
 * if (verified !== undefined) for (const [path, bytes] of verified.files) restore(path, bytes);
 * ```
 */
export interface VerifiedCheckpoint {
  readonly metadata: CheckpointMetadata;
  /** Every state file the metadata lists, by path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** State files read at the same time when a checkpoint is read back. */
const READ_CONCURRENCY = 8;

/** Runs `task` over `items` with at most `concurrency` in flight. */
async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Bytes hashed between two turns of the event loop (~2-3 ms of SHA-256 on this project's machines). */
const HASH_STEP_BYTES = 4 * 1024 * 1024;

/**
 * The SHA-256 digest of `data` in hex, a few MiB per turn of the event loop: the digest of a
 * large state file (~0.6 ms per MB) does not hold the thread, which in a one-slot job is the
 * task's, for its whole length.
 */
async function sha256Hex(data: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < data.byteLength; at += HASH_STEP_BYTES) {
    if (at > 0) await nextTurn();
    hash.update(data.subarray(at, at + HASH_STEP_BYTES));
  }
  return hash.digest('hex');
}

/** The listing line of a checkpoint or savepoint from its metadata. */
export function infoOf(metadata: CheckpointMetadata, location: string): CheckpointInfo {
  const shared = metadata.sharedFiles ?? [];
  return {
    kind: metadata.kind,
    checkpointId: metadata.checkpointId,
    savepointId: metadata.kind === 'savepoint' ? metadata.savepointId : undefined,
    triggeredAt: metadata.triggeredAt,
    completedAt: metadata.completedAt,
    durationMs: metadata.completedAt - metadata.triggeredAt,
    totalSizeBytes: metadata.totalSizeBytes + sumOf(shared),
    uploadedSizeBytes:
      metadata.totalSizeBytes +
      sumOf(shared.filter((f) => CheckpointPaths.creatorOfSharedFile(f.path) === metadata.checkpointId)),
    sourcePositions: metadata.sourcePositions,
    fileCount: metadata.files.length + shared.length,
    location,
  };
}

function sumOf(files: readonly CheckpointFileEntry[]): number {
  return files.reduce((sum, file) => sum + file.sizeBytes, 0);
}

function sameRef(a: CheckpointRef, b: CheckpointRef): boolean {
  return a.kind === 'checkpoint'
    ? b.kind === 'checkpoint' && a.checkpointId === b.checkpointId
    : b.kind === 'savepoint' && a.savepointId === b.savepointId;
}

/**
 * The job-facing checkpoint API over a {@link CheckpointStorage}: writes state files and then
 * `_metadata` LAST (a checkpoint without `_metadata` does not exist), lists checkpoints and
 * savepoints from storage alone, finds the newest intact checkpoint to restore (verifying sizes
 * and SHA-256 digests, falling back past damaged ones with one log line), and applies retention.
 * Decisions are the pure functions of `decisions.ts`; this class only does the I/O.
 *
 * @example
 * ```ts
 * const store = new CheckpointStore({ storage: new FsCheckpointStorage({ directory: '/data/chk' }), jobId: 'orders' });
 * await store.writeCheckpoint(
 *   { kind: 'checkpoint', checkpointId: 1, triggeredAt: 1000, completedAt: 1040, sourcePositions: { src: { p0: 42 } } },
 *   { 'counts/kg-0-127': bytes },
 * );
 * const latest = await store.latestCompleted(); // metadata of chk-1
 * const state = await store.readStateFile(latest!, 'counts/kg-0-127');
 * ```
 */
export class CheckpointStore {
  readonly storage: CheckpointStorage;
  readonly paths: CheckpointPaths;
  readonly retainedCheckpoints: number;
  readonly keepCheckpointsOnCancel: boolean;
  readonly writeConcurrency: number;
  private readonly logger: CheckpointLogger;

  constructor(options: CheckpointStoreOptions) {
    this.storage = options.storage;
    this.paths = new CheckpointPaths(options.jobId);
    this.retainedCheckpoints = options.retainedCheckpoints ?? 1;
    if (!Number.isSafeInteger(this.retainedCheckpoints) || this.retainedCheckpoints < 1) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `retainedCheckpoints must be an integer >= 1; got ${options.retainedCheckpoints}.`,
      );
    }
    this.keepCheckpointsOnCancel = options.keepCheckpointsOnCancel ?? false;
    this.writeConcurrency = options.writeConcurrency ?? 8;
    if (!Number.isSafeInteger(this.writeConcurrency) || this.writeConcurrency < 1) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `writeConcurrency must be an integer >= 1; got ${options.writeConcurrency}.`,
      );
    }
    this.logger = options.logger ?? console;
  }

  private where(ref: CheckpointRef): string {
    return `${CheckpointPaths.describe(ref)} of job '${this.paths.jobId}' in ${this.storage.description}`;
  }

  /**
   * Writes one state file of a checkpoint in progress and returns its entry for the metadata.
   *
   * @example
   * ```ts
   * const entry = await store.writeStateFile({ kind: 'checkpoint', checkpointId: 9 }, 'op/kg-0-63', bytes);
   * ```
   */
  async writeStateFile(ref: CheckpointRef, path: string, data: Uint8Array): Promise<CheckpointFileEntry> {
    await this.storage.writeFile(this.paths.stateFile(ref, path), data);
    return { path, sizeBytes: data.byteLength, sha256: await sha256Hex(data) };
  }

  /**
   * Writes one shared state file of an incremental checkpoint (`<jobId>/shared/<path>`; the name
   * must say which checkpoint wrote it, see {@link CheckpointPaths.creatorOfSharedFile}) and
   * returns its entry for the metadata's `sharedFiles`.
   *
   * @example
   * ```ts
   * const entry = await store.writeSharedFile('counts/kg-5-chk-9-1f2e', bytes);
   * ```
   */
  async writeSharedFile(path: string, data: Uint8Array): Promise<CheckpointFileEntry> {
    await this.storage.writeFile(this.paths.sharedFile(path), data);
    return { path, sizeBytes: data.byteLength, sha256: await sha256Hex(data) };
  }

  /**
   * Reads shared state files of a checkpoint, checking each against the size and SHA-256 digest
   * its metadata lists (`CORRUPT_CHECKPOINT` when missing, damaged or not listed).
   *
   * @example
   * ```ts
   * const [bytes] = await store.readSharedFiles(meta, ['counts/kg-5-chk-9-1f2e']);
   * ```
   */
  async readSharedFiles(metadata: CheckpointMetadata, paths: readonly string[]): Promise<Uint8Array[]> {
    const ref = refOf(metadata);
    const listed = new Map((metadata.sharedFiles ?? []).map((f) => [f.path, f]));
    const out = new Array<Uint8Array>(paths.length);
    await forEachConcurrently([...paths.keys()], READ_CONCURRENCY, async (i) => {
      const path = paths[i] as string;
      const entry = listed.get(path);
      const bytes = entry === undefined ? undefined : await this.storage.readFile(this.paths.sharedFile(path));
      const problem =
        entry === undefined
          ? 'its _metadata does not list it'
          : bytes === undefined
            ? 'it is missing'
            : bytes.byteLength !== entry.sizeBytes
              ? `it has ${bytes.byteLength} bytes, expected ${entry.sizeBytes}`
              : (await sha256Hex(bytes)) !== entry.sha256
                ? 'it does not match its SHA-256 digest'
                : undefined;
      if (problem !== undefined || bytes === undefined) {
        throw new SluiceError(
          'CORRUPT_CHECKPOINT',
          `${this.where(ref)} is damaged: shared state file '${path}' is unusable (${problem ?? 'missing'}). ` +
            'Restore an older checkpoint or a savepoint.',
          { retriable: false },
        );
      }
      out[i] = bytes;
    });
    return out;
  }

  /**
   * An otherwise usable incremental checkpoint whose shared files are not all there with their
   * listed sizes is skipped too (their digests are checked when they are read, by
   * {@link CheckpointStore.readSharedFiles}).
   */
  private async judgeSharedFiles(verdict: CheckpointVerdict & { verdict: 'usable' }): Promise<CheckpointVerdict> {
    const shared = verdict.metadata.sharedFiles ?? [];
    if (shared.length === 0) return verdict;
    const dir = this.paths.sharedDir;
    const sizes = new Map((await this.storage.list(dir)).map((f) => [f.key.slice(dir.length + 1), f.sizeBytes]));
    for (const file of shared) {
      const size = sizes.get(file.path);
      if (size === file.sizeBytes) continue;
      return {
        verdict: 'skip',
        checkpointId: verdict.checkpointId,
        reason: size === undefined ? 'missing-file' : 'truncated-file',
        detail:
          size === undefined
            ? `shared state file '${file.path}' is missing`
            : `shared state file '${file.path}' has ${size} bytes, expected ${file.sizeBytes}`,
      };
    }
    return verdict;
  }

  /**
   * Completes a checkpoint whose state files are written: writes `_metadata`, then (for
   * checkpoints) applies retention. Refuses to overwrite an existing checkpoint or savepoint.
   * A retention failure is logged, not thrown: the checkpoint is complete. `sharedFiles` lists
   * the shared files an incremental checkpoint needs (written now or by earlier checkpoints).
   *
   * @example
   * ```ts
   * await store.completeCheckpoint({ kind: 'checkpoint', checkpointId: 9, triggeredAt, completedAt, sourcePositions }, [entry]);
   * ```
   */
  async completeCheckpoint(
    checkpoint: NewCheckpoint,
    files: readonly CheckpointFileEntry[],
    sharedFiles: readonly CheckpointFileEntry[] = [],
  ): Promise<CheckpointMetadata> {
    const byPath = (a: CheckpointFileEntry, b: CheckpointFileEntry): number =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    const sorted = [...files].sort(byPath);
    const shared = [...sharedFiles].sort(byPath);
    const body: CheckpointMetadataBody = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      jobId: this.paths.jobId,
      checkpointId: checkpoint.checkpointId,
      triggeredAt: checkpoint.triggeredAt,
      completedAt: checkpoint.completedAt,
      totalSizeBytes: sorted.reduce((sum, file) => sum + file.sizeBytes, 0),
      sourcePositions: checkpoint.sourcePositions,
      files: sorted,
      ...(shared.length === 0 ? {} : { sharedFiles: shared }),
    };
    const metadata: CheckpointMetadata =
      checkpoint.kind === 'checkpoint'
        ? { kind: 'checkpoint', ...body }
        : { kind: 'savepoint', savepointId: checkpoint.savepointId, ...body };
    const ref = refOf(metadata);
    const encoded = encodeCheckpointMetadata(metadata);
    const key = this.paths.metadataFile(ref);
    if (await this.storage.exists(key)) {
      throw new SluiceError(
        ref.kind === 'checkpoint' ? 'ILLEGAL_STATE' : 'INVALID_ARGUMENT',
        `${this.where(ref)} already exists; ` +
          (ref.kind === 'checkpoint' ? 'checkpoint ids must never be reused.' : 'choose another savepoint id.'),
      );
    }
    await this.storage.writeFile(key, encoded);
    if (ref.kind === 'checkpoint') {
      try {
        await this.applyRetention();
      } catch (error) {
        this.logger.warn(
          `[sluice] Checkpoint retention failed after ${this.where(ref)} completed; older checkpoints stay until ` +
            `the next one completes: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return metadata;
  }

  /**
   * Writes every state file, then `_metadata` (see {@link CheckpointStore.completeCheckpoint}).
   *
   * @example
   * ```ts
   * await store.writeCheckpoint(
   *   { kind: 'savepoint', savepointId: 'before-upgrade', checkpointId: 12, triggeredAt, completedAt, sourcePositions: {} },
   *   { 'op/kg-0-127': bytes },
   * );
   * ```
   */
  async writeCheckpoint(
    checkpoint: NewCheckpoint,
    files: Readonly<Record<string, Uint8Array>>,
  ): Promise<CheckpointMetadata> {
    const ref: CheckpointRef =
      checkpoint.kind === 'checkpoint'
        ? { kind: 'checkpoint', checkpointId: checkpoint.checkpointId }
        : { kind: 'savepoint', savepointId: checkpoint.savepointId };
    const pending = Object.entries(files);
    const entries: CheckpointFileEntry[] = [];
    const worker = async (): Promise<void> => {
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        entries.push(await this.writeStateFile(ref, next[0], next[1]));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.writeConcurrency, pending.length) }, worker));
    return this.completeCheckpoint(checkpoint, entries);
  }

  /** Reads and decodes `_metadata`; a record that belongs to another job or checkpoint counts as corrupt. */
  private async inspectMetadata(ref: CheckpointRef): Promise<CheckpointInspection['metadata']> {
    const key = this.paths.metadataFile(ref);
    const bytes = await this.storage.readFile(key);
    if (bytes === undefined) return { state: 'missing' };
    try {
      const metadata = decodeCheckpointMetadata(bytes, `${this.storage.description}/${key}`);
      if (metadata.jobId !== this.paths.jobId || !sameRef(refOf(metadata), ref)) {
        return {
          state: 'corrupt',
          problem: `it describes ${CheckpointPaths.describe(refOf(metadata))} of job '${metadata.jobId}'`,
        };
      }
      return { state: 'ok', metadata };
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'CORRUPT_CHECKPOINT') {
        return { state: 'corrupt', problem: error.message };
      }
      throw error;
    }
  }

  /** Checkpoint numbers present in storage (complete or not), ascending. */
  private async checkpointIds(): Promise<number[]> {
    const names = await this.storage.listSubdirectories(this.paths.jobDir);
    return names
      .map((name) => CheckpointPaths.parseCheckpointDirName(name))
      .filter((id): id is number => id !== undefined)
      .sort((a, b) => a - b);
  }

  private async listInfos(refs: readonly CheckpointRef[]): Promise<CheckpointInfo[]> {
    const inspected = await Promise.all(refs.map(async (ref) => ({ ref, meta: await this.inspectMetadata(ref) })));
    return inspected.flatMap(({ ref, meta }) =>
      meta.state === 'ok' ? [infoOf(meta.metadata, `${this.storage.description}/${this.paths.dirOf(ref)}`)] : [],
    );
  }

  /**
   * Completed checkpoints (those with a valid `_metadata`), oldest first, read from storage
   * alone (the job need not run). State files are not verified here; see {@link CheckpointStore.latestCompleted}.
   *
   * @example
   * ```ts
   * const [newest] = (await store.listCheckpoints()).reverse();
   * ```
   */
  async listCheckpoints(): Promise<CheckpointInfo[]> {
    const ids = await this.checkpointIds();
    return this.listInfos(ids.map((checkpointId) => ({ kind: 'checkpoint', checkpointId })));
  }

  /**
   * Savepoints with a valid `_metadata`, ordered by checkpoint id.
   *
   * @example
   * ```ts
   * const ids = (await store.listSavepoints()).map((s) => s.savepointId);
   * ```
   */
  async listSavepoints(): Promise<CheckpointInfo[]> {
    const names = await this.storage.listSubdirectories(this.paths.savepointsDir);
    const refs = names
      .map((name) => CheckpointPaths.parseSavepointDirName(name))
      .filter((id): id is string => id !== undefined)
      .map((savepointId): CheckpointRef => ({ kind: 'savepoint', savepointId }));
    const infos = await this.listInfos(refs);
    return infos.sort((a, b) => a.checkpointId - b.checkpointId);
  }

  /**
   * The metadata of one checkpoint or savepoint (to restore from it explicitly). Throws
   * `CHECKPOINT_NOT_FOUND` when it has no `_metadata`, `CORRUPT_CHECKPOINT` when it is invalid.
   *
   * @example
   * ```ts
   * const meta = await store.readMetadata({ kind: 'savepoint', savepointId: 'before-upgrade' });
   * ```
   */
  async readMetadata(ref: CheckpointRef): Promise<CheckpointMetadata> {
    const inspected = await this.inspectMetadata(ref);
    if (inspected.state === 'ok') return inspected.metadata;
    if (inspected.state === 'missing') {
      throw new SluiceError(
        'CHECKPOINT_NOT_FOUND',
        `${this.where(ref)} does not exist (no ${this.paths.metadataFile(ref)}); list them with listCheckpoints()/listSavepoints().`,
      );
    }
    throw new SluiceError('CORRUPT_CHECKPOINT', `${this.where(ref)} is unusable: ${inspected.problem}`, {
      retriable: false,
    });
  }

  /**
   * Reads one state file of a checkpoint, checking its size and SHA-256 digest against the
   * metadata (`CORRUPT_CHECKPOINT` on mismatch, `CHECKPOINT_NOT_FOUND` if missing).
   *
   * @example
   * ```ts
   * const bytes = await store.readStateFile(meta, 'counts/kg-0-127');
   * ```
   */
  async readStateFile(metadata: CheckpointMetadata, path: string): Promise<Uint8Array> {
    const ref = refOf(metadata);
    const entry = metadata.files.find((file) => file.path === path);
    if (entry === undefined) {
      throw new SluiceError('CHECKPOINT_NOT_FOUND', `${this.where(ref)} has no state file '${path}'.`);
    }
    const bytes = await this.storage.readFile(this.paths.stateFile(ref, path));
    const verdict = judgeCheckpoint({
      checkpointId: metadata.checkpointId,
      metadata: { state: 'ok', metadata: { ...metadata, files: [entry] } },
      files: [
        {
          path,
          found: bytes === undefined ? undefined : { sizeBytes: bytes.byteLength, sha256: await sha256Hex(bytes) },
        },
      ],
    });
    if (verdict.verdict === 'skip' || bytes === undefined) {
      const detail = verdict.verdict === 'skip' ? verdict.detail : 'missing';
      throw new SluiceError(
        'CORRUPT_CHECKPOINT',
        `${this.where(ref)} is damaged: ${detail}. Restore an older checkpoint.`,
        {
          retriable: false,
        },
      );
    }
    return bytes;
  }

  /**
   * Reads every state file `metadata` lists (a few at a time) and reports what is stored: a file
   * whose listed size differs is not even read. The bytes of files that match go into `bytes`.
   */
  private async inspectFiles(
    metadata: CheckpointMetadata,
    bytes: Map<string, Uint8Array>,
  ): Promise<CheckpointInspection['files'][number][]> {
    const ref = refOf(metadata);
    const dir = this.paths.dirOf(ref);
    const stored = new Map(
      (await this.storage.list(dir)).map((file) => [file.key.slice(dir.length + 1), file.sizeBytes]),
    );
    const found = new Map<string, CheckpointInspection['files'][number]['found']>();
    await forEachConcurrently(metadata.files, READ_CONCURRENCY, async (expected) => {
      const size = stored.get(expected.path);
      if (size === undefined) {
        found.set(expected.path, undefined);
      } else if (size !== expected.sizeBytes) {
        found.set(expected.path, { sizeBytes: size, sha256: '' }); // no need to read it
      } else {
        const data = await this.storage.readFile(this.paths.stateFile(ref, expected.path));
        if (data === undefined) {
          found.set(expected.path, undefined);
          return;
        }
        const sha256 = await sha256Hex(data);
        found.set(expected.path, { sizeBytes: data.byteLength, sha256 });
        if (data.byteLength === expected.sizeBytes && sha256 === expected.sha256) bytes.set(expected.path, data);
      }
    });
    return metadata.files.map((file) => ({ path: file.path, found: found.get(file.path) }));
  }

  private async inspectCheckpoint(checkpointId: number, bytes: Map<string, Uint8Array>): Promise<CheckpointInspection> {
    const ref: CheckpointRef = { kind: 'checkpoint', checkpointId };
    const metadata = await this.inspectMetadata(ref);
    if (metadata.state !== 'ok') return { checkpointId, metadata, files: [] };
    return { checkpointId, metadata, files: await this.inspectFiles(metadata.metadata, bytes) };
  }

  /**
   * The newest checkpoint that is intact, read back whole: `_metadata` decodes and every state
   * file is present with its size and SHA-256 digest (each file is read once, and its verified
   * bytes are returned, so restoring reads nothing twice). Newer damaged or incomplete
   * checkpoints are skipped with ONE warning line naming each and why. `undefined` when no
   * checkpoint ever completed; a `CORRUPT_CHECKPOINT` error when completed checkpoints exist but
   * none is intact (starting from nothing would drop the job's state). Never returns a damaged
   * checkpoint.
   *
   * @example
   * ```ts
   * const verified = await store.latestIntact();
   * if (verified !== undefined) positions = verified.metadata.sourcePositions;
   * ```
   */
  async latestIntact(): Promise<VerifiedCheckpoint | undefined> {
    const newestFirst = (await this.checkpointIds()).reverse();
    const verdicts: CheckpointVerdict[] = [];
    let bytes = new Map<string, Uint8Array>();
    for (const checkpointId of newestFirst) {
      bytes = new Map();
      let verdict = judgeCheckpoint(await this.inspectCheckpoint(checkpointId, bytes));
      if (verdict.verdict === 'usable') verdict = await this.judgeSharedFiles(verdict);
      verdicts.push(verdict);
      if (verdict.verdict === 'usable') break;
    }
    const decision = chooseCheckpointToRestore(verdicts);
    if (decision.skipped.length > 0) {
      const skipped = decision.skipped.map((s) => `chk-${s.checkpointId} (${s.detail})`).join('; ');
      const next =
        decision.action === 'restore'
          ? `falling back to chk-${decision.metadata.checkpointId}`
          : decision.action === 'start-fresh'
            ? 'no checkpoint ever completed, so the job starts without state'
            : 'no intact checkpoint is left, so the job cannot be restored';
      this.logger.warn(
        `[sluice] Job '${this.paths.jobId}' in ${this.storage.description}: skipped unusable checkpoints ${skipped}; ${next}.`,
      );
    }
    if (decision.action === 'fail') {
      throw new SluiceError(
        'CORRUPT_CHECKPOINT',
        `Job '${this.paths.jobId}' in ${this.storage.description} has completed checkpoints, but none is intact: ` +
          `${decision.skipped.map((s) => `chk-${s.checkpointId} (${s.detail})`).join('; ')}. ` +
          'Restore a savepoint explicitly (setRestoreFrom({ savepointId })), or, to really start without state, ' +
          `move ${this.paths.jobDir}/ out of the checkpoint storage. Keep more checkpoints (retainedCheckpoints >= 2) ` +
          'so that a damaged one can be skipped.',
        { retriable: false },
      );
    }
    return decision.action === 'restore' ? { metadata: decision.metadata, files: bytes } : undefined;
  }

  /**
   * The metadata of the newest intact checkpoint (see {@link CheckpointStore.latestIntact}, which
   * this calls: every state file is read and verified).
   *
   * @example
   * ```ts
   * const meta = await store.latestCompleted();
   * if (meta !== undefined) positions = meta.sourcePositions;
   * ```
   */
  async latestCompleted(): Promise<CheckpointMetadata | undefined> {
    return (await this.latestIntact())?.metadata;
  }

  /**
   * One checkpoint or savepoint read back whole, every state file verified against its size and
   * SHA-256 digest: `CHECKPOINT_NOT_FOUND` without `_metadata`, `CORRUPT_CHECKPOINT` naming the
   * first damaged file otherwise. For restoring an explicitly chosen checkpoint or savepoint.
   *
   * @example
   * ```ts
   * const { metadata, files } = await store.readVerified({ kind: 'savepoint', savepointId: 'before-upgrade' });
   * ```
   */
  async readVerified(ref: CheckpointRef): Promise<VerifiedCheckpoint> {
    const metadata = await this.readMetadata(ref);
    const bytes = new Map<string, Uint8Array>();
    const files = await this.inspectFiles(metadata, bytes);
    const verdict = judgeCheckpoint({
      checkpointId: metadata.checkpointId,
      metadata: { state: 'ok', metadata },
      files,
    });
    if (verdict.verdict === 'skip') {
      throw new SluiceError(
        'CORRUPT_CHECKPOINT',
        `${this.where(ref)} is damaged: ${verdict.detail}. Restore an older checkpoint or savepoint.`,
        { retriable: false },
      );
    }
    return { metadata, files: bytes };
  }

  /**
   * The highest checkpoint number in storage, complete or not (damaged and abandoned ones
   * included); `undefined` when there is none. A job's new checkpoints must be numbered above
   * it, so they never overwrite files of an existing checkpoint.
   *
   * @example
   * ```ts
   * const next = ((await store.highestCheckpointId()) ?? 0) + 1;
   * ```
   */
  async highestCheckpointId(): Promise<number | undefined> {
    return (await this.checkpointIds()).at(-1);
  }

  /**
   * Keeps the newest `retainedCheckpoints` complete checkpoints and deletes older ones, plus
   * incomplete ones older than the newest complete one (see `decideRetention`); then deletes the
   * shared files no remaining checkpoint lists (see `decideSharedFileDeletions`: reference counts
   * come from the remaining `_metadata` files, so they survive restarts). Savepoints are never
   * touched (they never reference shared files). Runs after every completed checkpoint.
   *
   * @example
   * ```ts
   * const decisions = await store.applyRetention();
   * const deleted = decisions.filter((d) => d.action === 'delete').map((d) => d.checkpointId);
   * ```
   */
  async applyRetention(): Promise<RetentionDecision[]> {
    const ids = await this.checkpointIds();
    const checkpoints = await Promise.all(
      ids.map(async (checkpointId) => ({
        checkpointId,
        complete: (await this.inspectMetadata({ kind: 'checkpoint', checkpointId })).state === 'ok',
      })),
    );
    const decisions = decideRetention(checkpoints, this.retainedCheckpoints);
    for (const decision of decisions) {
      if (decision.action === 'delete') await this.deleteCheckpoint(decision.checkpointId);
    }
    await this.deleteUnreferencedSharedFiles();
    return decisions;
  }

  /** Deletes shared files that no remaining complete checkpoint lists; returns their paths. */
  private async deleteUnreferencedSharedFiles(): Promise<string[]> {
    const dir = this.paths.sharedDir;
    const stored = (await this.storage.list(dir)).map((file) => file.key.slice(dir.length + 1));
    if (stored.length === 0) return [];
    const referenced = new Set<string>();
    let newestCompleted: number | undefined;
    for (const checkpointId of await this.checkpointIds()) {
      const meta = await this.inspectMetadata({ kind: 'checkpoint', checkpointId });
      if (meta.state !== 'ok') continue;
      newestCompleted = checkpointId;
      for (const file of meta.metadata.sharedFiles ?? []) referenced.add(file.path);
    }
    const doomed = decideSharedFileDeletions({ stored, referenced, newestCompleted });
    for (const path of doomed) await this.storage.deleteFile(this.paths.sharedFile(path));
    return doomed;
  }

  /** Deletes `_metadata` first, so a half-deleted checkpoint is never mistaken for a complete one. */
  private async deleteCheckpoint(checkpointId: number): Promise<void> {
    const ref: CheckpointRef = { kind: 'checkpoint', checkpointId };
    await this.storage.deleteFile(this.paths.metadataFile(ref));
    await this.storage.deleteDirectory(this.paths.dirOf(ref));
  }

  /**
   * Deletes a savepoint (retention never does).
   *
   * @example
   * ```ts
   * await store.deleteSavepoint('before-upgrade');
   * ```
   */
  async deleteSavepoint(savepointId: string): Promise<void> {
    const ref: CheckpointRef = { kind: 'savepoint', savepointId };
    await this.storage.deleteFile(this.paths.metadataFile(ref));
    await this.storage.deleteDirectory(this.paths.dirOf(ref));
  }

  /**
   * What to do with checkpoints when the job is cancelled: deletes them all unless
   * `keepCheckpointsOnCancel` is set (savepoints stay either way). Not wired to jobs yet.
   *
   * @example
   * ```ts
   * const decision = await store.cleanUpOnCancel(); // { action: 'keep-all' } or { action: 'delete-all', checkpointIds }
   * ```
   */
  async cleanUpOnCancel(): Promise<CancelDecision> {
    const decision = decideOnCancel(this.keepCheckpointsOnCancel, await this.checkpointIds());
    if (decision.action === 'delete-all') {
      for (const checkpointId of decision.checkpointIds) await this.deleteCheckpoint(checkpointId);
      // Savepoints never reference shared files: with every checkpoint gone, none is needed.
      await this.storage.deleteDirectory(this.paths.sharedDir);
    }
    return decision;
  }
}
