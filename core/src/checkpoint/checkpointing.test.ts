import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FsCheckpointStorage,
  RestartStrategies,
  startJob,
  readFileSinkOutput,
  StreamExecutionEnvironment,
  type EnvironmentOptions,
  type JobClient,
} from '@sluice/core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClicks, type ClicksOptions } from './fixtures/clicks.job.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-chk-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function buildJob(env: StreamExecutionEnvironment, out: string, options: Omit<ClicksOptions, 'out'>): void {
  buildClicks(env, { out, ...options });
}

async function runToEnd(options: EnvironmentOptions, out: string, count: number): Promise<string[]> {
  const env = StreamExecutionEnvironment.create(options);
  buildJob(env, out, { count });
  await env.execute('clicks');
  return readFileSinkOutput(out).sort();
}

async function waitFor(client: JobClient, checkpoints: number): Promise<void> {
  while (client.metrics().checkpoints.completed < checkpoints) await new Promise((r) => setTimeout(r, 10));
}

describe('checkpoints and recovery (local)', () => {
  it('a cancelled job resumes from its latest checkpoint with identical exactly-once output', async () => {
    const expected = await runToEnd({}, tempDir(), 6_000);
    expect(expected.length).toBeGreaterThan(100);

    const chk = tempDir();
    const out = tempDir();
    const storage = new FsCheckpointStorage({ directory: chk });
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(30, { storage, keepCheckpointsOnCancel: true });
    buildJob(env, out, { count: 6_000, rate: 4_000 });
    const client = env.executeAsync('clicks');
    await waitFor(client, 3);
    await client.cancel();
    expect(client.status()).toBe('CANCELED');
    const partial = readFileSinkOutput(out);
    expect(partial.length).toBeLessThan(expected.length);
    const listed = await client.listCheckpoints();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.at(-1)?.sourcePositions).toBeDefined();

    const resumed = StreamExecutionEnvironment.create({ parallelism: 2 });
    resumed.enableCheckpointing(30, { storage }).setRestoreFrom('latest');
    buildJob(resumed, out, { count: 6_000 });
    const restarted = resumed.executeAsync('clicks');
    await restarted.result;
    expect(restarted.metrics().checkpoints.restoredFrom).toBe(listed.at(-1)?.checkpointId);
    expect(readFileSinkOutput(out).sort()).toEqual(expected);
  });

  it('restarts a failed job from the latest checkpoint: nothing lost, nothing duplicated', async () => {
    const expected = await runToEnd({}, tempDir(), 6_000);
    const out = tempDir();
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .enableCheckpointing(20, { storage: new FsCheckpointStorage({ directory: tempDir() }) })
      .setRestartStrategy(RestartStrategies.fixedDelay(2, 10));
    buildJob(env, out, { count: 6_000, rate: 10_000, failAt: { index: 4_000, armed: { value: true } } });
    const client = env.executeAsync('clicks');
    await client.result;
    expect(client.status()).toBe('FINISHED');
    expect(client.metrics().checkpoints.restoredFrom).toBeGreaterThan(0);
    expect(readFileSinkOutput(out).sort()).toEqual(expected);
  });

  it('fails for good when the restart strategy is used up', async () => {
    const env = StreamExecutionEnvironment.create();
    env
      .enableCheckpointing(20, { storage: new FsCheckpointStorage({ directory: tempDir() }) })
      .setRestartStrategy(RestartStrategies.none());
    buildJob(env, tempDir(), { count: 2_000, failAt: { index: 100, armed: { value: true } } });
    const client = env.executeAsync('clicks');
    await expect(client.result).rejects.toThrow(/injected failure at click 100/);
    expect(client.status()).toBe('FAILED');
  });

  it.each([1, 4])(
    'stop-with-savepoint at parallelism 2, resume at %i: results equal the uninterrupted run',
    async (p) => {
      const expected = await runToEnd({}, tempDir(), 6_000);
      const storage = new FsCheckpointStorage({ directory: tempDir() });
      const out = tempDir();
      const env = StreamExecutionEnvironment.create({ parallelism: 2 });
      env.enableCheckpointing(1_000_000, { storage });
      buildJob(env, out, { count: 6_000, rate: 20_000 });
      const client = env.executeAsync('clicks');
      while ((client.metrics().operators[0]?.recordsOut ?? 0) < 1_000) await new Promise((r) => setTimeout(r, 5));
      const savepoint = await client.stopWithSavepoint();
      expect(client.status()).toBe('FINISHED');
      expect(savepoint.kind).toBe('savepoint');
      expect(readFileSinkOutput(out).length).toBeLessThan(expected.length);

      const resumed = StreamExecutionEnvironment.create({ parallelism: p });
      resumed
        .enableCheckpointing(1_000_000, { storage })
        .setRestoreFrom({ savepointId: savepoint.savepointId as string });
      buildJob(resumed, out, { count: 6_000 });
      await resumed.execute('clicks');
      expect(readFileSinkOutput(out).sort()).toEqual(expected);
    },
  );

  it('stop-with-savepoint with drain flushes every window before the savepoint', async () => {
    const storage = new FsCheckpointStorage({ directory: tempDir() });
    const out = tempDir();
    const env = StreamExecutionEnvironment.create();
    env.enableCheckpointing(1_000_000, { storage });
    buildJob(env, out, { count: 1_000_000, rate: 20_000 });
    const client = env.executeAsync('clicks');
    while ((client.metrics().operators[0]?.recordsOut ?? 0) < 500) await new Promise((r) => setTimeout(r, 5));
    await client.stopWithSavepoint({ drain: true });
    const emitted = client.metrics().operators.find((o) => o.uid === 'counts-file')?.recordsIn ?? 0;
    const read = client.metrics().operators[0]?.recordsOut ?? 0;
    // every click read so far is counted in some flushed window
    const total = readFileSinkOutput(out).reduce((sum, line) => sum + Number(line.split('=')[1]), 0);
    expect(total).toBe(read);
    expect(emitted).toBeGreaterThan(0);
  });
});

describe('checkpoints on worker threads', () => {
  it('stop-with-savepoint on 2 threads, resume on 1: results equal the uninterrupted run', async () => {
    const module = new URL('./fixtures/clicks.job.ts', import.meta.url);
    const storage = tempDir();
    const expectedOut = tempDir();
    await (await startJob(module, { params: { out: expectedOut, count: 6_000 } })).result;
    const expected = readFileSinkOutput(expectedOut).sort();

    const out = tempDir();
    const job = await startJob(module, {
      parallelism: 2,
      slots: 2,
      params: { out, count: 6_000, rate: 10_000, storage },
    });
    await new Promise((r) => setTimeout(r, 300));
    const savepoint = await job.stopWithSavepoint();
    expect(savepoint.fileCount).toBeGreaterThan(0);
    expect(job.status()).toBe('FINISHED');
    const resumed = await startJob(module, {
      params: { out, count: 6_000, storage, savepoint: savepoint.savepointId as string },
    });
    await resumed.result;
    expect(readFileSinkOutput(out).sort()).toEqual(expected);
  });
});
