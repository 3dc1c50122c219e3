import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  type CheckpointInfo,
  CollectSink,
  FsCheckpointStorage,
  type JobClient,
  type RestoreFrom,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { type Payment, paymentSource, type SpendAlert, spendAlerts } from '@sluice/job-template';
import {
  type CheckpointsView,
  JobLifecycle,
  JobServiceModule,
  type JobServiceOptions,
  METRIC_NAMES,
  type ProblemDetails,
} from '@sluice/job-service';
import { parsePrometheusText, sampleValue } from '@sluice/testing';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A fresh checkpoint directory (savepoint ids restart per run, so runs must not share one). */
function newDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-job-service-chk-'));
  directories.push(directory);
  return directory;
}

function checkpointedJob(intervalMs: number, restoreFrom?: RestoreFrom, directory = newDirectory()): () => JobClient {
  return () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.enableCheckpointing(intervalMs, { storage: new FsCheckpointStorage({ directory }) });
    if (restoreFrom !== undefined) env.setRestoreFrom(restoreFrom);
    const payments = env.fromSource(
      paymentSource({ accounts: 50, recordsPerSecond: 5_000 }),
      WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.time),
      'payments',
    );
    spendAlerts(payments, { thresholdCents: 100_000 }).sinkTo(new CollectSink<SpendAlert>(), 'alerts');
    return env.executeAsync('spend-alerts');
  };
}

const apps: INestApplication[] = [];
async function startApp(
  options: Partial<JobServiceOptions>,
): Promise<{ app: INestApplication; base: string; job: JobClient }> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobServiceModule.forJob({ jobName: 'spend-alerts', start: checkpointedJob(200), env: {}, ...options })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl(), job: app.get(JobLifecycle).client() };
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const metric = async (base: string, name: string): Promise<number | undefined> =>
  sampleValue(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()), name);

describe('JobServiceModule with checkpointing', () => {
  it('takes savepoints, lists checkpoints, exports checkpoint metrics and stops with a savepoint', async () => {
    const { base, job } = await startApp({});
    await vi.waitFor(async () => expect(await metric(base, METRIC_NAMES.checkpointsCompleted)).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    expect(await metric(base, METRIC_NAMES.checkpointsEnabled)).toBe(1);
    expect(await metric(base, METRIC_NAMES.checkpointLastSize)).toBeGreaterThan(0);
    expect(await metric(base, METRIC_NAMES.checkpointLastDuration)).toBeGreaterThanOrEqual(0);
    const completedAt = (await metric(base, METRIC_NAMES.checkpointLastCompleted)) ?? 0;
    expect(Math.abs(completedAt - Date.now() / 1000)).toBeLessThan(60);
    expect(await metric(base, METRIC_NAMES.checkpointRestoredFrom)).toBeUndefined();

    const created = await fetch(`${base}/api/job/savepoints`, { method: 'POST' });
    expect(created.status).toBe(201);
    const savepoint = (await created.json()) as CheckpointInfo;
    expect(savepoint).toMatchObject({ kind: 'savepoint', savepointId: expect.any(String) });
    expect(savepoint.totalSizeBytes).toBeGreaterThan(0);

    const listed = (await (await fetch(`${base}/api/job/checkpoints`)).json()) as CheckpointsView;
    expect(listed.checkpoints.map((c) => c.savepointId)).toContain(savepoint.savepointId);
    expect(listed.stats).toMatchObject({ enabled: true });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);

    const stopped = await fetch(`${base}/api/job/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"drain":false}',
    });
    expect(stopped.status).toBe(200);
    const stopSavepoint = (await stopped.json()) as CheckpointInfo;
    expect(stopSavepoint.checkpointId).toBeGreaterThan(savepoint.checkpointId);
    expect(job.status()).toBe('FINISHED');
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    const again = (await (await fetch(`${base}/api/job/savepoints`, { method: 'POST' })).json()) as ProblemDetails;
    expect(again).toMatchObject({ status: 409, code: 'JOB_NOT_RUNNING' });
  });

  it('stops with a savepoint on shutdown, and a restored job reports where it came from', async () => {
    const directory = newDirectory();
    const first = await startApp({ start: checkpointedJob(200, undefined, directory) });
    await vi.waitFor(
      async () => expect(await metric(first.base, METRIC_NAMES.checkpointsCompleted)).toBeGreaterThan(0),
      {
        timeout: 10_000,
      },
    );
    apps.splice(apps.indexOf(first.app), 1);
    await first.app.close();
    expect(first.job.status()).toBe('FINISHED');
    const savepoints = (await first.job.listCheckpoints()).filter((c) => c.kind === 'savepoint');
    const last = savepoints.at(-1);
    expect(last?.savepointId).toEqual(expect.any(String));

    const second = await startApp({
      start: checkpointedJob(200, { savepointId: last?.savepointId as string }, directory),
    });
    // The job loads the savepoint after it started; the metric appears once it has.
    await vi.waitFor(
      async () => expect(await metric(second.base, METRIC_NAMES.checkpointRestoredFrom)).toBe(last?.checkpointId),
      { timeout: 10_000, interval: 100 },
    );
  });

  it('is not ready when the last checkpoint is older than the configured maximum age', async () => {
    const { base } = await startApp({ start: checkpointedJob(60_000), config: { readinessMaxCheckpointAgeMs: 300 } });
    await vi.waitFor(
      async () => {
        const response = await fetch(`${base}/health/ready`);
        expect(response.status).toBe(503);
        const body = (await response.json()) as ProblemDetails;
        expect(body.detail).toContain('no checkpoint completed since the job started');
      },
      { timeout: 5_000, interval: 100 },
    );
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
