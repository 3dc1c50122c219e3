import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  FRAUD_ALERTS_METRIC,
  FraudDetectionServiceError,
  fraudDetectionServiceOptions,
  fraudDetectionSettings,
  onFraudRuleUpdate,
} from '@sluice/fraud-detection-service';
import { ALERT_RULES } from '@sluice/fraud-detection-job';
import { JobServiceModule, type JobView } from '@sluice/job-service';
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

  it('Kafka mode: validates its settings, needs SLUICE_CHECKPOINT_DIR, and leaves fraud.rules to the job', () => {
    const env = {
      KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9',
      SLUICE_CHECKPOINT_DIR: '/var/lib/sluice',
      SLUICE_FRAUD_RULES_TOPIC: 'fraud.rules.v2',
    };
    expect(fraudDetectionSettings(env)).toMatchObject({
      liveRuleUpdates: false,
      kafka: {
        bootstrapServers: '127.0.0.1:9',
        transactionsTopic: 'fraud.transactions',
        alertsTopic: 'fraud.alerts',
        deadLetterTopic: 'fraud.transactions.dlq',
        rulesTopic: 'fraud.rules.v2',
        sourceGroupId: 'fraud-detection-job',
        transactionalIdPrefix: 'fraud-detection-alerts',
        transactionsIdleMs: undefined,
        rulesIdleMs: 5_000,
      },
    });
    // The transport handler only validates and counts (the job reads the topic itself).
    expect(fraudDetectionServiceOptions(env).events).toEqual({ 'fraud.rules.v2': onFraudRuleUpdate });

    const failure = (e: NodeJS.ProcessEnv): FraudDetectionServiceError => {
      try {
        fraudDetectionSettings(e);
      } catch (error) {
        return error as FraudDetectionServiceError;
      }
      return expect.unreachable('expected INVALID_CONFIG');
    };
    const noCheckpoints = failure({ KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:9' });
    expect(noCheckpoints).toBeInstanceOf(FraudDetectionServiceError);
    expect(noCheckpoints.code).toBe('INVALID_CONFIG');
    expect(noCheckpoints.message).toMatch(
      /Kafka mode writes alerts exactly once, which needs checkpoints: set SLUICE_CHECKPOINT_DIR/,
    );
    const mixed = failure({
      ...env,
      ALERT_SINK: 'file',
      ALERT_DIR: '/tmp/alerts',
      SEED: '7',
      KAFKA_ALERTS_TOPIC: 'bad topic',
      KAFKA_DEAD_LETTER_TOPIC: 'fraud.transactions',
      KAFKA_RULES_IDLE_MS: '0',
    });
    expect(mixed.message).toMatch(/SEED, ALERT_SINK, ALERT_DIR only apply to the embedded generator/);
    expect(mixed.message).toMatch(/KAFKA_ALERTS_TOPIC must be a Kafka topic name/);
    expect(mixed.message).toMatch(/the Kafka topics must differ/);
    expect(mixed.message).toMatch(/KAFKA_RULES_IDLE_MS must be an integer >= 1/);
  });

  it('validates its settings', () => {
    expect(fraudDetectionSettings({})).toMatchObject({
      parallelism: 2,
      slots: 1,
      recordsPerSecond: 1_000,
      kafka: undefined,
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
