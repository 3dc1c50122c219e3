import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointPaths,
  CheckpointStore,
  decodeCheckpointMetadata,
  encodeCheckpointMetadata,
  FsCheckpointStorage,
  type NewCheckpoint,
  SluiceError,
} from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideSharedFileDeletions } from './shared-file-decisions.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function checkpoint(checkpointId: number): NewCheckpoint {
  return { kind: 'checkpoint', checkpointId, triggeredAt: 1_000, completedAt: 1_010, sourcePositions: {} };
}

describe('decideSharedFileDeletions', () => {
  it.each([
    {
      name: 'no complete checkpoint: keep everything',
      stored: ['op/kg-1-chk-1-a'],
      referenced: [],
      newest: undefined,
      doomed: [],
    },
    {
      name: 'referenced files stay',
      stored: ['op/kg-1-chk-1-a'],
      referenced: ['op/kg-1-chk-1-a'],
      newest: 2,
      doomed: [],
    },
    {
      name: 'unreferenced files of older or equal checkpoints go',
      stored: ['op/kg-1-chk-1-a', 'op/kg-2-chk-2-a', 'op/kg-3-chk-2-a'],
      referenced: ['op/kg-3-chk-2-a'],
      newest: 2,
      doomed: ['op/kg-1-chk-1-a', 'op/kg-2-chk-2-a'],
    },
    {
      name: 'files of newer (in-flight) checkpoints stay',
      stored: ['op/kg-1-chk-3-a'],
      referenced: [],
      newest: 2,
      doomed: [],
    },
    {
      name: 'files not named after a checkpoint stay',
      stored: ['op/notes.txt'],
      referenced: [],
      newest: 9,
      doomed: [],
    },
  ])('$name', ({ stored, referenced, newest, doomed }) => {
    expect(decideSharedFileDeletions({ stored, referenced: new Set(referenced), newestCompleted: newest })).toEqual(
      doomed,
    );
  });

  it('reads the creating checkpoint from the last path segment only', () => {
    expect(CheckpointPaths.creatorOfSharedFile('counts/kg-17-chk-42-1f2e3d4c')).toBe(42);
    expect(CheckpointPaths.creatorOfSharedFile('op-chk-7-x/kg-1')).toBeUndefined();
    expect(CheckpointPaths.creatorOfSharedFile('op/kg-1-chk-01-a')).toBeUndefined();
  });
});

describe('metadata with shared files', () => {
  it('round-trips sharedFiles and keeps them out of totalSizeBytes; rejects duplicates', () => {
    const sha = 'a'.repeat(64);
    const meta = {
      kind: 'checkpoint' as const,
      formatVersion: 1 as const,
      jobId: 'job',
      checkpointId: 3,
      triggeredAt: 1,
      completedAt: 2,
      totalSizeBytes: 4,
      sourcePositions: {},
      files: [{ path: 'op/0-of-1', sizeBytes: 4, sha256: sha }],
      sharedFiles: [{ path: 'op/kg-1-chk-3-a', sizeBytes: 100, sha256: sha }],
    };
    expect(decodeCheckpointMetadata(encodeCheckpointMetadata(meta))).toEqual(meta);
    const twice = JSON.stringify({ ...meta, sharedFiles: [meta.sharedFiles[0], meta.sharedFiles[0]] });
    expect(() => decodeCheckpointMetadata(twice)).toThrow(/listed twice/);
  });
});

describe('CheckpointStore with shared files (incremental checkpoints)', () => {
  let dir: string;
  let store: CheckpointStore;
  const warnings: string[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-shared-'));
    warnings.length = 0;
    store = new CheckpointStore({
      storage: new FsCheckpointStorage({ directory: dir }),
      jobId: 'job',
      retainedCheckpoints: 2,
      logger: { warn: (line) => warnings.push(line) },
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function complete(id: number, created: Record<string, string>, reused: string[] = []): Promise<void> {
    const own = await store.writeStateFile({ kind: 'checkpoint', checkpointId: id }, 'op/0-of-1', bytes(`own-${id}`));
    const fresh = await Promise.all(Object.entries(created).map(([p, text]) => store.writeSharedFile(p, bytes(text))));
    const previous = (await store.listCheckpoints()).at(-1);
    const old =
      previous === undefined
        ? []
        : ((await store.readMetadata({ kind: 'checkpoint', checkpointId: previous.checkpointId })).sharedFiles ?? []);
    await store.completeCheckpoint(checkpoint(id), [own], [...fresh, ...old.filter((f) => reused.includes(f.path))]);
  }
  const sharedOnDisk = async (): Promise<string[]> =>
    (await readdir(join(dir, 'job', 'shared', 'op')).catch(() => [] as string[])).sort();

  it('lists full and uploaded sizes, reads shared files back verified, and deletes them once unreferenced', async () => {
    await complete(1, { 'op/kg-1-chk-1-n': 'aaaa', 'op/kg-2-chk-1-n': 'bbbbbbbb' });
    await complete(2, { 'op/kg-1-chk-2-n': 'cc' }, ['op/kg-2-chk-1-n']);
    const [first, second] = await store.listCheckpoints();
    expect(first?.totalSizeBytes).toBe(5 + 12);
    expect(first?.uploadedSizeBytes).toBe(5 + 12);
    expect(second?.totalSizeBytes).toBe(5 + 2 + 8);
    expect(second?.uploadedSizeBytes).toBe(5 + 2);
    expect(second?.fileCount).toBe(3);

    const meta = await store.readMetadata({ kind: 'checkpoint', checkpointId: 2 });
    const [a, b] = await store.readSharedFiles(meta, ['op/kg-2-chk-1-n', 'op/kg-1-chk-2-n']);
    expect(new TextDecoder().decode(a)).toBe('bbbbbbbb');
    expect(new TextDecoder().decode(b)).toBe('cc');
    await expect(store.readSharedFiles(meta, ['op/kg-1-chk-1-n'])).rejects.toThrow(/does not list it/);
    // Retaining 2: chk-1 still lists op/kg-1-chk-1-n.
    expect(await sharedOnDisk()).toEqual(['kg-1-chk-1-n', 'kg-1-chk-2-n', 'kg-2-chk-1-n']);

    // A file of an aborted checkpoint 3 (no _metadata) and chk-4 completing: chk-1 goes, and
    // with it the files only it listed; the aborted checkpoint's file goes too.
    await store.writeSharedFile('op/kg-3-chk-3-n', bytes('lost'));
    await complete(4, { 'op/kg-3-chk-4-n': 'dd' }, ['op/kg-2-chk-1-n', 'op/kg-1-chk-2-n']);
    await store.writeSharedFile('op/kg-3-chk-5-n', bytes('in flight')); // newer: must survive
    await store.applyRetention();
    expect((await store.listCheckpoints()).map((c) => c.checkpointId)).toEqual([2, 4]);
    expect(await sharedOnDisk()).toEqual(['kg-1-chk-2-n', 'kg-2-chk-1-n', 'kg-3-chk-4-n', 'kg-3-chk-5-n']);

    // Damaged shared file: reading it fails as corrupt.
    await writeFile(join(dir, 'job', 'shared', 'op', 'kg-3-chk-4-n'), 'DD');
    const latest = await store.readMetadata({ kind: 'checkpoint', checkpointId: 4 });
    const error = await store.readSharedFiles(latest, ['op/kg-3-chk-4-n']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('CORRUPT_CHECKPOINT');
  });

  it('falls back past a checkpoint whose shared file is missing', async () => {
    await complete(1, { 'op/kg-1-chk-1-n': 'aaaa' });
    await complete(2, { 'op/kg-2-chk-2-n': 'bb' }, ['op/kg-1-chk-1-n']);
    await unlink(join(dir, 'job', 'shared', 'op', 'kg-2-chk-2-n'));
    const latest = await store.latestCompleted();
    expect(latest?.checkpointId).toBe(1);
    expect(warnings.join('\n')).toMatch(/chk-2 \(shared state file 'op\/kg-2-chk-2-n' is missing\)/);
  });

  it('deletes the shared directory with the checkpoints when a job is cancelled', async () => {
    await complete(1, { 'op/kg-1-chk-1-n': 'aaaa' });
    await store.cleanUpOnCancel();
    expect(await sharedOnDisk()).toEqual([]);
    expect(await store.listCheckpoints()).toEqual([]);
  });
});
