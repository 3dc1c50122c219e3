import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsCheckpointStorage, SluiceError } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('FsCheckpointStorage', () => {
  let dir: string;
  let storage: FsCheckpointStorage;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-chk-fs-'));
    storage = new FsCheckpointStorage({ directory: join(dir, 'root') });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes, reads, lists and deletes files', async () => {
    await storage.writeFile('job/chk-1/op/kg-0', bytes('zero'));
    await storage.writeFile('job/chk-1/_metadata', bytes('{}'));
    await storage.writeFile('job/chk-10/_metadata', bytes('{}!'));
    expect(new TextDecoder().decode(await storage.readFile('job/chk-1/op/kg-0'))).toBe('zero');
    expect(await storage.readFile('job/chk-2/_metadata')).toBeUndefined();
    expect(await storage.exists('job/chk-1/_metadata')).toBe(true);
    expect(await storage.exists('job/chk-1/op')).toBe(false); // a directory is not a file
    expect(await storage.exists('nope/x')).toBe(false);
    expect(await storage.list('job/chk-1')).toEqual([
      { key: 'job/chk-1/_metadata', sizeBytes: 2 },
      { key: 'job/chk-1/op/kg-0', sizeBytes: 4 },
    ]);
    expect(await storage.listSubdirectories('job')).toEqual(['chk-1', 'chk-10']);
    expect(await storage.listSubdirectories('missing')).toEqual([]);
    expect(await storage.list('missing')).toEqual([]);

    await storage.deleteDirectory('job/chk-1');
    expect(await storage.listSubdirectories('job')).toEqual(['chk-10']); // chk-10 is not under chk-1/
    await storage.deleteFile('job/chk-10/_metadata');
    await storage.deleteFile('job/chk-10/_metadata'); // idempotent
    expect(await storage.list('')).toEqual([]);
  });

  it('replaces a file atomically and leaves no temporary file behind', async () => {
    await storage.writeFile('job/chk-1/_metadata', bytes('old'));
    await storage.writeFile('job/chk-1/_metadata', bytes('new!'));
    expect(new TextDecoder().decode(await storage.readFile('job/chk-1/_metadata'))).toBe('new!');
    expect(await readdir(join(dir, 'root', 'job', 'chk-1'))).toEqual(['_metadata']);
  });

  it('never lists a temporary file a crash left behind', async () => {
    await storage.writeFile('job/chk-1/op', bytes('x'));
    const orphan = join(dir, 'root', 'job', 'chk-1', '.op.tmp-123e4567-e89b-12d3-a456-426614174000');
    await writeFile(orphan, 'half');
    expect((await storage.list('job')).map((f) => f.key)).toEqual(['job/chk-1/op']);
  });

  it('rejects keys that escape the root', async () => {
    await expect(storage.writeFile('../escape', bytes('x'))).rejects.toThrow(/Invalid checkpoint storage key/);
    await expect(storage.readFile('a//b')).rejects.toBeInstanceOf(SluiceError);
    await expect(storage.deleteDirectory('')).rejects.toThrow(/refusing to delete the storage root/);
  });

  it('classifies a failed write', async () => {
    await storage.writeFile('job/file', bytes('x'));
    // 'job/file' is a file, so 'job/file/child' cannot be created.
    const error = await storage.writeFile('job/file/child', bytes('y')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('CHECKPOINT_STORAGE_FAILED');
    expect((error as SluiceError).message).toContain('job/file/child');
  });
});
