import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertStorageKey, type CheckpointStorage, type StoredFile, storageFailed } from './storage.ts';

/**
 * Options of {@link FsCheckpointStorage}.
 *
 * @example
 * ```ts
 * const options: FsCheckpointStorageOptions = { directory: '/var/lib/sluice/checkpoints' };
 * ```
 */
export interface FsCheckpointStorageOptions {
  /** The root directory; created on first write. */
  readonly directory: string;
}

/** Temporary files are hidden (`.`-prefixed) and never listed; state file names cannot start with a dot. */
const TEMP_FILE = /^\..*\.tmp-[0-9a-f-]{36}$/;

function code(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Makes a rename durable; best effort (some platforms cannot open a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here (e.g. Windows); the rename itself is still atomic.
  }
}

/**
 * Checkpoint storage on a local (or mounted) filesystem. A file is written to a hidden temporary
 * file in the same directory, flushed to disk, then renamed over the final name, so a crash
 * never leaves a half-written file under the final name.
 *
 * @example
 * ```ts
 * const storage = new FsCheckpointStorage({ directory: '/var/lib/sluice/checkpoints' });
 * const store = new CheckpointStore({ storage, jobId: 'orders' });
 * ```
 */
export class FsCheckpointStorage implements CheckpointStorage {
  readonly directory: string;
  readonly description: string;

  constructor(options: FsCheckpointStorageOptions) {
    this.directory = resolve(options.directory);
    this.description = pathToFileURL(this.directory).href;
  }

  private pathOf(key: string, what: 'key' | 'directory'): string {
    assertStorageKey(key, what);
    return key === '' ? this.directory : join(this.directory, ...key.split('/'));
  }

  async writeFile(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key, 'key');
    const dir = dirname(path);
    const temp = join(dir, `.${key.split('/').at(-1)}.tmp-${randomUUID()}`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      await syncDirectory(dir);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw storageFailed('write', pathToFileURL(path).href, error, false);
    }
  }

  async readFile(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key, 'key');
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if (code(error) === 'ENOENT') return undefined;
      throw storageFailed('read', pathToFileURL(path).href, error, false);
    }
  }

  async exists(key: string): Promise<boolean> {
    const path = this.pathOf(key, 'key');
    try {
      return (await stat(path)).isFile();
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return false;
      throw storageFailed('check', pathToFileURL(path).href, error, false);
    }
  }

  async list(dir: string): Promise<StoredFile[]> {
    const root = this.pathOf(dir, 'directory');
    const out: StoredFile[] = [];
    const walk = async (path: string, prefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(path, { withFileTypes: true });
      } catch (error) {
        if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return;
        throw error;
      }
      for (const entry of entries) {
        const key = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        if (entry.isDirectory()) await walk(join(path, entry.name), key);
        else if (entry.isFile() && !TEMP_FILE.test(entry.name)) {
          out.push({ key, sizeBytes: (await stat(join(path, entry.name))).size });
        }
      }
    };
    try {
      await walk(root, dir);
    } catch (error) {
      throw storageFailed('list', pathToFileURL(root).href, error, false);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listSubdirectories(dir: string): Promise<string[]> {
    const path = this.pathOf(dir, 'directory');
    try {
      const entries = await readdir(path, { withFileTypes: true });
      return entries
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if (code(error) === 'ENOENT' || code(error) === 'ENOTDIR') return [];
      throw storageFailed('list', pathToFileURL(path).href, error, false);
    }
  }

  async deleteFile(key: string): Promise<void> {
    const path = this.pathOf(key, 'key');
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw storageFailed('delete', pathToFileURL(path).href, error, false);
    }
  }

  async deleteDirectory(dir: string): Promise<void> {
    const path = this.pathOf(dir, 'directory');
    if (dir === '') {
      throw storageFailed('delete', pathToFileURL(path).href, 'refusing to delete the storage root', false);
    }
    try {
      await rm(path, { recursive: true, force: true });
    } catch (error) {
      throw storageFailed('delete', pathToFileURL(path).href, error, false);
    }
  }
}
