import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore, FsCheckpointStorage, type NewCheckpoint, SluiceError } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bytes = (text: string) => new TextEncoder().encode(text);

function checkpoint(checkpointId: number): NewCheckpoint {
  return {
    kind: 'checkpoint',
    checkpointId,
    triggeredAt: 1_000 * checkpointId,
    completedAt: 1_000 * checkpointId + 40,
    sourcePositions: { 'orders-source': { 'orders-0': String(100 * checkpointId) } },
  };
}

describe('CheckpointStore on the filesystem', () => {
  let dir: string;
  let storage: FsCheckpointStorage;
  let warnings: string[];
  let store: CheckpointStore;

  const fileOf = (...parts: string[]) => join(dir, 'orders', ...parts);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-chk-store-'));
    storage = new FsCheckpointStorage({ directory: dir });
    warnings = [];
    store = new CheckpointStore({
      storage,
      jobId: 'orders',
      retainedCheckpoints: 10,
      logger: { warn: (line) => warnings.push(line) },
    });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a checkpoint, lists it and restores it with its state', async () => {
    const meta = await store.writeCheckpoint(checkpoint(1), {
      'counts/kg-0': bytes('abc'),
      'counts/kg-1': bytes('de'),
    });
    expect(meta.totalSizeBytes).toBe(5);
    expect(meta.files.map((f) => f.path)).toEqual(['counts/kg-0', 'counts/kg-1']);

    expect(await store.listCheckpoints()).toEqual([
      {
        kind: 'checkpoint',
        checkpointId: 1,
        savepointId: undefined,
        triggeredAt: 1_000,
        completedAt: 1_040,
        durationMs: 40,
        totalSizeBytes: 5,
        uploadedSizeBytes: 5,
        sourcePositions: { 'orders-source': { 'orders-0': '100' } },
        fileCount: 2,
        location: `${storage.description}/orders/chk-1`,
      },
    ]);
    const latest = await store.latestCompleted();
    expect(latest).toEqual(meta);
    expect(new TextDecoder().decode(await store.readStateFile(meta, 'counts/kg-0'))).toBe('abc');
    expect(warnings).toEqual([]);
  });

  it('does not see a checkpoint without _metadata', async () => {
    await store.writeCheckpoint(checkpoint(1), { s: bytes('one') });
    await store.writeStateFile({ kind: 'checkpoint', checkpointId: 2 }, 's', bytes('two')); // crashed before _metadata
    expect((await store.listCheckpoints()).map((c) => c.checkpointId)).toEqual([1]);
    expect((await store.latestCompleted())?.checkpointId).toBe(1);
    await expect(store.readMetadata({ kind: 'checkpoint', checkpointId: 2 })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_FOUND',
    });
  });

  it('falls back past a truncated state file with one log line', async () => {
    await store.writeCheckpoint(checkpoint(1), { s: bytes('one') });
    await store.writeCheckpoint(checkpoint(2), { s: bytes('two-two') });
    await truncate(fileOf('chk-2', 's'), 3);

    expect((await store.latestCompleted())?.checkpointId).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/chk-2 \(state file 's' has 3 bytes, expected 7\).*falling back to chk-1/);
  });

  it('falls back past a state file whose digest does not match', async () => {
    await store.writeCheckpoint(checkpoint(1), { s: bytes('one') });
    const meta2 = await store.writeCheckpoint(checkpoint(2), { s: bytes('two') });
    await writeFile(fileOf('chk-2', 's'), 'TWO');

    expect((await store.latestCompleted())?.checkpointId).toBe(1);
    expect(warnings[0]).toMatch(/chk-2 \(state file 's' does not match its SHA-256 digest\)/);
    await expect(store.readStateFile(meta2, 's')).rejects.toMatchObject({ code: 'CORRUPT_CHECKPOINT' });
  });

  it('digests a state file of several MiB (hashed in steps) as SHA-256 of its whole bytes, and notices a change at its end', async () => {
    const big = new Uint8Array(9 * 1024 * 1024 + 7).map((_, i) => (i * 131) >>> 3);
    const meta = await store.writeCheckpoint(checkpoint(1), { s: big });
    expect(meta.files[0]?.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(Buffer.from(await store.readStateFile(meta, 's')).equals(Buffer.from(big))).toBe(true);
    const changed = big.slice();
    changed[changed.length - 1] = (big.at(-1) as number) ^ 1; // in the last step only
    await writeFile(fileOf('chk-1', 's'), changed);
    await expect(store.readStateFile(meta, 's')).rejects.toMatchObject({ code: 'CORRUPT_CHECKPOINT' });
  });

  it('falls back past corrupt metadata, a missing file and a missing _metadata, in one log line', async () => {
    await store.writeCheckpoint(checkpoint(1), { s: bytes('one') });
    await store.writeCheckpoint(checkpoint(2), { s: bytes('two') });
    await store.writeCheckpoint(checkpoint(3), { s: bytes('three') });
    await store.writeStateFile({ kind: 'checkpoint', checkpointId: 4 }, 's', bytes('four'));
    await writeFile(fileOf('chk-3', '_metadata'), '{"formatVersion":1,"kind":');
    await rm(fileOf('chk-2', 's'));

    expect((await store.latestCompleted())?.checkpointId).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('chk-4 (no _metadata (never completed))');
    expect(warnings[0]).toContain('chk-3 (corrupt _metadata');
    expect(warnings[0]).toContain("chk-2 (state file 's' is missing)");
    await expect(store.readMetadata({ kind: 'checkpoint', checkpointId: 3 })).rejects.toMatchObject({
      code: 'CORRUPT_CHECKPOINT',
    });
  });

  it('treats _metadata copied from another checkpoint as corrupt', async () => {
    await store.writeCheckpoint(checkpoint(1), { s: bytes('one') });
    await store.writeCheckpoint(checkpoint(2), { s: bytes('two') });
    await writeFile(
      fileOf('chk-2', '_metadata'),
      await storage.readFile('orders/chk-1/_metadata').then((b) => b ?? ''),
    );
    expect((await store.latestCompleted())?.checkpointId).toBe(1);
    expect(warnings[0]).toContain('it describes chk-1');
  });

  it('returns undefined when no checkpoint ever completed, and fails, never garbage, when none is intact', async () => {
    expect(await store.latestCompleted()).toBeUndefined();
    expect(warnings).toEqual([]);
    await store.writeStateFile({ kind: 'checkpoint', checkpointId: 1 }, 's', bytes('one')); // crashed before _metadata
    expect(await store.latestCompleted()).toBeUndefined();
    expect(warnings[0]).toContain('no checkpoint ever completed, so the job starts without state');
    await store.writeCheckpoint(checkpoint(2), { s: bytes('two') });
    await truncate(fileOf('chk-2', 's'), 0);
    await expect(store.latestCompleted()).rejects.toMatchObject({
      code: 'CORRUPT_CHECKPOINT',
      message: expect.stringMatching(/chk-2 \(state file 's' has 0 bytes, expected 3\).*Restore a savepoint/),
    });
    expect(warnings[1]).toContain('no intact checkpoint is left, so the job cannot be restored');
  });

  it('reads a checkpoint back whole once, verified: latestIntact and readVerified', async () => {
    await store.writeCheckpoint(checkpoint(1), { a: bytes('one'), 'op/b': bytes('uno') });
    await store.writeCheckpoint(checkpoint(2), { a: bytes('two'), 'op/b': bytes('dos') });
    const latest = await store.latestIntact();
    expect(latest?.metadata.checkpointId).toBe(2);
    expect([...(latest?.files ?? [])].map(([path, data]) => [path, new TextDecoder().decode(data)])).toEqual(
      expect.arrayContaining([
        ['a', 'two'],
        ['op/b', 'dos'],
      ]),
    );
    expect(latest?.files.size).toBe(2);
    expect(await store.highestCheckpointId()).toBe(2);
    await writeFile(fileOf('chk-1', 'op/b'), 'UNO');
    await expect(store.readVerified({ kind: 'checkpoint', checkpointId: 1 })).rejects.toMatchObject({
      code: 'CORRUPT_CHECKPOINT',
      message: expect.stringContaining("state file 'op/b' does not match its SHA-256 digest"),
    });
    const second = await store.readVerified({ kind: 'checkpoint', checkpointId: 2 });
    expect(new TextDecoder().decode(second.files.get('a'))).toBe('two');
  });

  it('refuses to overwrite a checkpoint or a savepoint', async () => {
    await store.writeCheckpoint(checkpoint(1), {});
    await expect(store.writeCheckpoint(checkpoint(1), {})).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    const sp: NewCheckpoint = { ...checkpoint(2), kind: 'savepoint', savepointId: 'v1' };
    await store.writeCheckpoint(sp, {});
    await expect(store.writeCheckpoint(sp, {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('keeps savepoints apart from checkpoints', async () => {
    await store.writeCheckpoint(checkpoint(1), { s: bytes('one') });
    const sp = await store.writeCheckpoint(
      { ...checkpoint(2), kind: 'savepoint', savepointId: 'before-upgrade' },
      {
        'op/state': bytes('sp'),
      },
    );
    expect((await store.listCheckpoints()).map((c) => c.checkpointId)).toEqual([1]);
    const savepoints = await store.listSavepoints();
    expect(savepoints.map((s) => [s.savepointId, s.checkpointId, s.totalSizeBytes])).toEqual([
      ['before-upgrade', 2, 2],
    ]);
    expect(await store.readMetadata({ kind: 'savepoint', savepointId: 'before-upgrade' })).toEqual(sp);
    expect(new TextDecoder().decode(await store.readStateFile(sp, 'op/state'))).toBe('sp');
    await store.deleteSavepoint('before-upgrade');
    expect(await store.listSavepoints()).toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => new CheckpointStore({ storage, jobId: 'orders', retainedCheckpoints: 0 })).toThrow(SluiceError);
    expect(() => new CheckpointStore({ storage, jobId: '../x' })).toThrow(/Invalid job id/);
    expect(() => new CheckpointStore({ storage, jobId: 'orders', writeConcurrency: 0 })).toThrow(/writeConcurrency/);
  });

  it('writes many state files with bounded concurrency', async () => {
    const limited = new CheckpointStore({ storage, jobId: 'orders', writeConcurrency: 2 });
    const files = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`op/kg-${i}`, bytes(`state ${i}`)]));
    const meta = await limited.writeCheckpoint(checkpoint(1), files);
    expect(meta.files.map((f) => f.path)).toEqual(Object.keys(files).sort());
    expect((await limited.latestCompleted())?.checkpointId).toBe(1);
  });
});

describe('CheckpointStore retention', () => {
  let dir: string;
  let storage: FsCheckpointStorage;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-chk-retention-'));
    storage = new FsCheckpointStorage({ directory: dir });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps exactly the last N completed checkpoints', async () => {
    const store = new CheckpointStore({ storage, jobId: 'orders', retainedCheckpoints: 3 });
    for (let id = 1; id <= 7; id++) await store.writeCheckpoint(checkpoint(id), { s: bytes(`state ${id}`) });
    expect((await store.listCheckpoints()).map((c) => c.checkpointId)).toEqual([5, 6, 7]);
    expect(await storage.listSubdirectories('orders')).toEqual(['chk-5', 'chk-6', 'chk-7']);
  });

  it('deletes abandoned incomplete checkpoints but not one possibly in progress, nor savepoints or shared state', async () => {
    const store = new CheckpointStore({ storage, jobId: 'orders', retainedCheckpoints: 1 });
    await store.writeStateFile({ kind: 'checkpoint', checkpointId: 1 }, 's', bytes('abandoned'));
    await store.writeCheckpoint({ ...checkpoint(2), kind: 'savepoint', savepointId: 'keep-me' }, {});
    await storage.writeFile('orders/shared/blob', bytes('shared'));
    await store.writeCheckpoint(checkpoint(3), { s: bytes('three') });
    await store.writeStateFile({ kind: 'checkpoint', checkpointId: 4 }, 's', bytes('in progress'));
    const decisions = await store.applyRetention();
    expect(decisions.map((d) => `${d.action} ${d.checkpointId} ${d.reason}`)).toEqual([
      'keep 4 possibly-in-progress',
      'keep 3 retained',
    ]);
    expect(await storage.listSubdirectories('orders')).toEqual(['chk-3', 'chk-4', 'savepoints', 'shared']);
    expect((await store.listSavepoints()).map((s) => s.savepointId)).toEqual(['keep-me']);
  });

  it('logs a retention failure without failing the completed checkpoint', async () => {
    const warnings: string[] = [];
    const failing = Object.create(storage) as FsCheckpointStorage;
    failing.deleteFile = async () => {
      throw new SluiceError('CHECKPOINT_STORAGE_FAILED', 'disk says no');
    };
    const store = new CheckpointStore({
      storage: failing,
      jobId: 'orders',
      retainedCheckpoints: 1,
      logger: { warn: (line) => warnings.push(line) },
    });
    await store.writeCheckpoint(checkpoint(1), {});
    await store.writeCheckpoint(checkpoint(2), {});
    expect((await store.listCheckpoints()).map((c) => c.checkpointId)).toEqual([1, 2]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/retention failed after chk-2.*disk says no/);
  });

  it('deletes checkpoints on cancel unless told to keep them', async () => {
    const keep = new CheckpointStore({ storage, jobId: 'kept', retainedCheckpoints: 2, keepCheckpointsOnCancel: true });
    await keep.writeCheckpoint(checkpoint(1), {});
    expect(await keep.cleanUpOnCancel()).toEqual({ action: 'keep-all' });
    expect((await keep.listCheckpoints()).length).toBe(1);

    const drop = new CheckpointStore({ storage, jobId: 'dropped', retainedCheckpoints: 2 });
    await drop.writeCheckpoint(checkpoint(1), {});
    await drop.writeCheckpoint(checkpoint(2), {});
    await drop.writeCheckpoint({ ...checkpoint(3), kind: 'savepoint', savepointId: 'sp' }, {});
    expect(await drop.cleanUpOnCancel()).toEqual({ action: 'delete-all', checkpointIds: [1, 2] });
    expect(await drop.listCheckpoints()).toEqual([]);
    expect((await drop.listSavepoints()).length).toBe(1);
  });
});
