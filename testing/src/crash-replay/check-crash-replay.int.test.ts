import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointPaths, CheckpointStore, FsCheckpointStorage, readFileSinkOutput } from '@sluice/core';
import { checkCrashReplay, type S3Service, skipWithoutService, startS3 } from '@sluice/testing';
import { afterAll, describe, expect, it } from 'vitest';

const job = new URL('./fixtures/windowed-clicks.job.ts', import.meta.url);
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('crash-and-replay: SIGKILL the job process 10 times, output equals the failure-free run', () => {
  it.each([
    { name: 'heap state, filesystem checkpoints, 1 thread', slots: 1, parallelism: 1, count: 20_000 },
    { name: 'heap state, filesystem checkpoints, 2 worker threads', slots: 2, parallelism: 2, count: 10_000 },
  ])('$name', async ({ slots, parallelism, count }) => {
    const ref = tempDir();
    const out = tempDir();
    const checkpoints = tempDir();
    const report = await checkCrashReplay({
      job,
      slots,
      parallelism,
      kills: 10,
      params: (run): Record<string, string | number> =>
        run === 'reference' ? { out: ref, count } : { out, count, rate: 4_000, checkpoints, interval: 150 },
      readOutput: (run) => readFileSinkOutput(run === 'reference' ? ref : out),
    });
    expect(report.kills).toBeGreaterThanOrEqual(10);
    expect(report.killMoments['during-upload']).toBeGreaterThan(0);
    expect(report.killMoments['after-checkpoint']).toBeGreaterThan(0);
    expect(report.reference.length).toBeGreaterThan(1_000);
    expect(report.restoredStarts).toBeGreaterThanOrEqual(5);
    expect(report.missing).toEqual([]);
    expect(report.extra).toEqual([]);
  });
});

describe.skipIf(skipWithoutService('s3'))('crash-and-replay with checkpoints in S3 (S3Mock)', () => {
  it.each([
    { name: 'single-request uploads', multipart: false },
    { name: 'every state file as a multipart upload', multipart: true },
  ])('heap state, S3 checkpoints ($name), 1 thread: 10 SIGKILLs, identical output', async ({ multipart }) => {
    // A fresh bucket per run; the job process reads the endpoint and credentials from the S3_* env vars.
    const s3: S3Service = await startS3({ bucketPrefix: 'crash-replay' });
    try {
      const ref = tempDir();
      const out = tempDir();
      const report = await checkCrashReplay({
        job,
        kills: 10,
        params: (run): Record<string, string | number | boolean> =>
          run === 'reference'
            ? { out: ref, count: 12_000 }
            : { out, count: 12_000, rate: 4_000, bucket: s3.bucket, interval: 150, multipart },
        readOutput: (run) => readFileSinkOutput(run === 'reference' ? ref : out),
      });
      expect(report.kills).toBeGreaterThanOrEqual(10);
      expect(report.killMoments['during-upload']).toBeGreaterThan(0);
      expect(report.killMoments['after-checkpoint']).toBeGreaterThan(0);
      expect(report.reference.length).toBeGreaterThan(1_000);
      // Recovery really read state back from S3 (a run that never restores would pass the diff too).
      expect(report.restoredStarts).toBeGreaterThanOrEqual(5);
      expect(report.missing).toEqual([]);
      expect(report.extra).toEqual([]);
    } finally {
      await s3.stop();
    }
  });
});

describe('crash-and-replay on the LMDB state backend (incremental checkpoints)', () => {
  it.each([
    { name: '1 thread', slots: 1, parallelism: 1, count: 20_000 },
    { name: '2 worker threads', slots: 2, parallelism: 2, count: 10_000 },
  ])(
    'LMDB state, filesystem checkpoints, $name: 10 SIGKILLs, identical output',
    async ({ slots, parallelism, count }) => {
      const ref = tempDir();
      const out = tempDir();
      const checkpoints = tempDir();
      const stateDir = tempDir();
      const report = await checkCrashReplay({
        job,
        slots,
        parallelism,
        kills: 10,
        params: (run): Record<string, string | number> =>
          run === 'reference'
            ? { out: ref, count }
            : { out, count, rate: 4_000, checkpoints, interval: 150, backend: 'lmdb', stateDir },
        readOutput: (run) => readFileSinkOutput(run === 'reference' ? ref : out),
      });
      expect(report.kills).toBeGreaterThanOrEqual(10);
      expect(report.killMoments['during-upload']).toBeGreaterThan(0);
      expect(report.killMoments['after-checkpoint']).toBeGreaterThan(0);
      expect(report.reference.length).toBeGreaterThan(1_000);
      expect(report.restoredStarts).toBeGreaterThanOrEqual(5);
      expect(report.missing).toEqual([]);
      expect(report.extra).toEqual([]);
      // Shared files left by killed processes (of checkpoints that never completed, or whose
      // retention was cut short) go with the next retention, which works from storage alone (here a
      // fresh store, as in a new process): then what remains is referenced by the retained
      // checkpoint, or written by a newer one (in flight when the last run ended).
      const store = new CheckpointStore({
        storage: new FsCheckpointStorage({ directory: checkpoints }),
        jobId: 'windowed-clicks',
      });
      await store.applyRetention();
      const newest = (await store.listCheckpoints()).at(-1);
      expect(newest).toBeDefined();
      const meta = await store.readMetadata({ kind: 'checkpoint', checkpointId: newest?.checkpointId as number });
      const referenced = new Set((meta.sharedFiles ?? []).map((f) => f.path));
      expect(referenced.size).toBeGreaterThan(0);
      const sharedDir = join(checkpoints, 'windowed-clicks', 'shared');
      const stored = readdirSync(sharedDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => join(e.parentPath, e.name).slice(sharedDir.length + 1));
      const stale = stored.filter(
        (p) => !referenced.has(p) && (CheckpointPaths.creatorOfSharedFile(p) ?? 0) <= meta.checkpointId,
      );
      expect(stale).toEqual([]);
    },
  );
});
