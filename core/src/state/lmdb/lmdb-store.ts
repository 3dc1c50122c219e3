import type { Database, RootDatabase, Transaction } from 'lmdb';
import { SluiceError } from '../../errors.ts';
import type { KeyRange } from './lmdb-key-codec.ts';

/** Writes of one {@link LmdbStore.write} transaction. */
export interface LmdbWriter {
  put(key: Buffer, value: Buffer): void;
  remove(key: Buffer): void;
}

/** A consistent read-only view (an LMDB read transaction) that later writes do not change. */
export interface LmdbReadView {
  range(range: KeyRange): Iterable<{ key: Buffer; value: Buffer }>;
  /** Ends the read transaction (LMDB keeps the pages it sees until then). */
  done(): void;
}

/**
 * The bottom layer of the LMDB backend: bytes in, bytes out, on one LMDB environment in one
 * directory. Synchronous: reads are memory-mapped lookups, writes are whole batches committed in
 * one synchronous transaction (`transactionSync`) — the write-back cache above calls it with
 * everything dirty at once, so a commit is amortized over thousands of entries. lmdb-js's
 * asynchronous `put` is not used: a read would not see a write until its background commit.
 *
 * The directory is a working copy, not a durable store: checkpoints are the durable copy, so the
 * environment is opened with `noSync` (no fsync) and cleared when opened.
 *
 * The `lmdb` package is loaded by {@link LmdbStore.open} with a dynamic import, so jobs that use the
 * heap backend never load its native binary.
 *
 * @example
 * ```ts
 * const store = await LmdbStore.open('/var/lib/sluice/state/count-0');
 * store.write((w) => w.put(Buffer.from('k'), Buffer.from('v')));
 * store.get(Buffer.from('k')); // <Buffer 76>
 * ```
 */
export class LmdbStore {
  readonly directory: string;
  private readonly root: RootDatabase<Buffer, Buffer>;
  private readonly db: Database<Buffer, Buffer>;
  private closed = false;

  private constructor(directory: string, root: RootDatabase<Buffer, Buffer>) {
    this.directory = directory;
    this.root = root;
    this.db = root;
  }

  /**
   * Opens (creating if needed) and clears the environment in `directory`; `mapSizeBytes` bounds
   * the size of its file (lmdb-js's default otherwise).
   */
  static async open(directory: string, options: { readonly mapSizeBytes?: number } = {}): Promise<LmdbStore> {
    let lmdb: typeof import('lmdb');
    try {
      lmdb = await import('lmdb');
    } catch (cause) {
      throw new SluiceError(
        'ILLEGAL_STATE',
        `The LMDB state backend needs the 'lmdb' package, which could not be loaded (${String(cause)}). ` +
          'Install it (npm install lmdb), or use the heap state backend.',
        { cause, domain: 'external', retriable: false },
      );
    }
    let root: RootDatabase<Buffer, Buffer>;
    try {
      root = lmdb.open<Buffer, Buffer>({
        path: directory,
        encoding: 'binary',
        keyEncoding: 'binary',
        noSync: true,
        noMemInit: true,
        cache: false,
        ...(options.mapSizeBytes === undefined ? {} : { mapSize: options.mapSizeBytes }),
      });
      root.clearSync();
    } catch (cause) {
      throw new SluiceError(
        'ILLEGAL_STATE',
        `The LMDB state directory ${directory} could not be opened (${cause instanceof Error ? cause.message : String(cause)}). ` +
          'Check that it is writable, on a local disk, and not used by another backend.',
        { cause, domain: 'external' },
      );
    }
    return new LmdbStore(directory, root);
  }

  /** The value of `key`, in a temporary buffer valid only until the next read: decode it at once. */
  get(key: Buffer): Buffer | undefined {
    return this.db.getBinaryFast(key);
  }

  /** Runs `writes` in one synchronous transaction (committed when this returns). */
  write(writes: (writer: LmdbWriter) => void): void {
    const db = this.db;
    const writer: LmdbWriter = {
      put: (key, value) => db.putSync(key, value),
      remove: (key) => {
        db.removeSync(key);
      },
    };
    db.transactionSync(() => writes(writer));
  }

  /** Entries of `range`, ascending, as of the latest commit. */
  range(range: KeyRange): Iterable<{ key: Buffer; value: Buffer }> {
    return this.db.getRange(range.end === undefined ? { start: range.start } : { start: range.start, end: range.end });
  }

  /** Number of keys in `range`. */
  count(range: KeyRange): number {
    return this.db.getKeysCount(
      range.end === undefined ? { start: range.start } : { start: range.start, end: range.end },
    );
  }

  /** A read view of the latest commit, unaffected by later writes, until `done()`. */
  readView(): LmdbReadView {
    const db = this.db;
    const transaction: Transaction = db.useReadTransaction();
    return {
      range: (range) =>
        db.getRange(
          range.end === undefined
            ? { start: range.start, transaction }
            : { start: range.start, end: range.end, transaction },
        ),
      done: () => transaction.done(),
    };
  }

  /** Closes the environment (the files stay; remove the directory to free the disk). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }
}
