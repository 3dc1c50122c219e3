import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  FRAUD_ALERTS_METRIC,
  FraudDetectionServiceError,
  fraudDetectionServiceOptions,
  fraudDetectionSettings,
} from '@sluice/fraud-detection-service';
import { ALERT_RULES } from '@sluice/fraud-detection-job';
import { JobLifecycle, JobServiceModule, type JobView } from '@sluice/job-service';
import { parsePrometheusText, sampleValue } from '@sluice/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function createApp(env: NodeJS.ProcessEnv): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobServiceModule.forJob(fraudDetectionServiceOptions(env))],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  return app;
}

const alertsByRule = async (base: string): Promise<Record<string, number>> => {
  const families = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
  expect(families.get(FRAUD_ALERTS_METRIC.name)?.type).toBe('counter');
  return Object.fromEntries(
    ALERT_RULES.map((rule) => [rule, sampleValue(families, FRAUD_ALERTS_METRIC.name, { rule }) ?? -1]),
  );
};

describe('fraud-detection service (embedded generator)', () => {
  it('runs the job and counts alerts by rule in sluice_fraud_alerts_total', async () => {
    const app = await createApp({
      RECORDS_PER_SECOND: '20000',
      PARALLELISM: '2',
      ALERT_SINK: 'collect',
      FRAUD_RATE: '0.05',
    });
    await app.listen(0, '127.0.0.1');
    const base = await app.getUrl();
    const job = (await (await fetch(`${base}/api/job`)).json()) as JobView;
    expect(job).toMatchObject({ name: 'fraud-detection', status: 'RUNNING', parallelism: 2 });
    expect(job.graph.vertices.map((v) => v.uid)).toEqual(
      expect.arrayContaining([
        'rule-small-then-large',
        'rule-velocity',
        'rule-impossible-travel',
        'rule-amount-anomaly',
      ]),
    );

    let first: Record<string, number> = {};
    await vi.waitFor(
      async () => {
        first = await alertsByRule(base);
        for (const rule of ALERT_RULES) expect(first[rule], rule).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 250 },
    );
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    await vi.waitFor(async () => expect(sum(await alertsByRule(base))).toBeGreaterThan(sum(first)), {
      timeout: 30_000,
      interval: 250,
    });
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
  });

  it('fails to start in Kafka mode, saying the Kafka connectors are missing; fraud.rules is wired', async () => {
    const env = { KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9', SLUICE_FRAUD_RULES_TOPIC: 'fraud.rules.v2' };
    expect(Object.keys(fraudDetectionServiceOptions(env).events ?? {})).toEqual(['fraud.rules.v2']);
    const app = await createApp(env);
    const failure = await app.init().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/Kafka mode .* needs the Kafka source and sink connectors/);
    expect((failure as Error).cause).toBeInstanceOf(FraudDetectionServiceError);
    expect(app.get(JobLifecycle).clientIfStarted()).toBeUndefined();
    apps.splice(apps.indexOf(app), 1);
  });

  it('validates its settings', () => {
    expect(fraudDetectionSettings({})).toMatchObject({
      parallelism: 2,
      slots: 1,
      recordsPerSecond: 1_000,
      kafka: false,
    });
    expect(fraudDetectionSettings({ RECORDS_PER_SECOND: '0' }).recordsPerSecond).toBeUndefined();
    expect(fraudDetectionSettings({ SLUICE_CHECKPOINT_DIR: '/var/lib/sluice' }).checkpoint).toEqual({
      directory: '/var/lib/sluice',
      intervalMs: 10_000,
    });
    expect(() => fraudDetectionSettings({ PARALLELISM: 'two', RULES: '{', SLUICE_CHECKPOINT_DIR: 'relative' })).toThrow(
      /PARALLELISM.*RULES.*SLUICE_CHECKPOINT_DIR/,
    );
  });
});
