import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { readFileSinkOutput, startJob } from '@sluice/core';
import { type Alert, FRAUD_DETECTION_JOB_MODULE, type FraudDetectionJobOutputs } from '@sluice/fraud-detection-job';
import { fraudDetectionServiceOptions } from '@sluice/fraud-detection-service';
import { type CheckpointsView, JobLifecycle, JobServiceModule, METRIC_NAMES } from '@sluice/job-service';
import { parsePrometheusText, sampleValue } from '@sluice/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
function newDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-fraud-restart-'));
  directories.push(directory);
  return directory;
}

const COUNT = 30_000;
const SEED = 7;
const FRAUD_RATE = 0.05;

/** What identifies an alert: its id (rule + triggering transaction) and its evidence. */
const identity = (alert: Pick<Alert, 'id'> & { evidence: readonly (string | { id: string })[] }): string =>
  `${alert.id} ${alert.evidence.map((e) => (typeof e === 'string' ? e : e.id)).join(',')}`;

async function startService(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobServiceModule.forJob(fraudDetectionServiceOptions(env))],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl() };
}

const metric = async (base: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> =>
  sampleValue(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()), name, labels);

describe('fraud-detection service: shutdown and restart with SLUICE_CHECKPOINT_DIR', () => {
  it('SIGTERM stops with a savepoint, the next start resumes from it: no alert lost or duplicated', async () => {
    // The uninterrupted run of the same seeded input.
    const reference = await startJob<FraudDetectionJobOutputs>(FRAUD_DETECTION_JOB_MODULE, {
      parallelism: 2,
      params: { count: COUNT, seed: SEED, fraudRate: FRAUD_RATE, sink: 'collect' },
    });
    await reference.result;
    const expected = reference.built.alerts.values.map(identity).sort();
    expect(expected.length).toBeGreaterThan(50);

    const out = newDirectory();
    const env = {
      SLUICE_CHECKPOINT_DIR: newDirectory(),
      SLUICE_CHECKPOINT_INTERVAL_MS: '200',
      ALERT_SINK: 'file',
      ALERT_DIR: out,
      TRANSACTION_COUNT: String(COUNT),
      RECORDS_PER_SECOND: '6000',
      SEED: String(SEED),
      FRAUD_RATE: String(FRAUD_RATE),
    };
    const first = await startService(env);
    const firstJob = first.app.get(JobLifecycle).client();
    await vi.waitFor(
      async () => {
        expect(await metric(first.base, METRIC_NAMES.checkpointsCompleted)).toBeGreaterThan(0);
        expect(readFileSinkOutput(out).length).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 50 },
    );
    // What SIGTERM does (enableShutdownHooks → app.close()): stop the job with a savepoint.
    await first.app.close();
    expect(firstJob.status()).toBe('FINISHED');
    const savepoint = (await firstJob.listCheckpoints()).at(-1);
    expect(savepoint?.kind).toBe('savepoint');
    const partial = readFileSinkOutput(out).length;
    expect(partial).toBeLessThan(expected.length);

    const second = await startService(env);
    try {
      // The job restores asynchronously after the service started.
      await vi.waitFor(
        async () => {
          const view = (await (await fetch(`${second.base}/api/job/checkpoints`)).json()) as CheckpointsView;
          expect(view.stats.restoredFrom).toBe(savepoint?.checkpointId);
        },
        { timeout: 30_000, interval: 50 },
      );
      expect(await metric(second.base, METRIC_NAMES.checkpointRestoredFrom)).toBe(savepoint?.checkpointId);
      await vi.waitFor(() => expect(readFileSinkOutput(out).length).toBeGreaterThanOrEqual(expected.length), {
        timeout: 60_000,
        interval: 100,
      });
      // Two more checkpoints commit whatever else the job would have written: there must be nothing.
      const completed = (await metric(second.base, METRIC_NAMES.checkpointsCompleted)) ?? 0;
      await vi.waitFor(
        async () => expect(await metric(second.base, METRIC_NAMES.checkpointsCompleted)).toBeGreaterThan(completed + 1),
        { timeout: 30_000, interval: 50 },
      );
      const written = readFileSinkOutput(out).map((line) => identity(JSON.parse(line) as Alert));
      expect(written.sort()).toEqual(expected);
    } finally {
      await second.app.close();
    }
  }, 120_000);
});
