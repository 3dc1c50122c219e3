import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  FRAUD_ALERTS_METRIC,
  FRAUD_RULE_UPDATES_METRIC,
  fraudDetectionServiceOptions,
} from '@sluice/fraud-detection-service';
import type { RuleUpdate } from '@sluice/fraud-detection-job';
import { connectKafkaTransport, JobServiceModule, METRIC_NAMES } from '@sluice/job-service';
import { parsePrometheusText, sampleValue, skipWithoutService, uniqueGroupId, uniqueTopic } from '@sluice/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe.skipIf(skipWithoutService('kafka'))('fraud-detection service: Kafka transport', () => {
  const brokers = process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '';
  const rulesTopic = uniqueTopic('fraud.rules');
  const controlTopic = uniqueTopic('job.control');
  let app: INestApplication;
  let base: string;
  let producer: Producer;

  beforeAll(async () => {
    const kafka = new Kafka({
      clientId: 'fraud-service-int-test',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: rulesTopic }, { topic: controlTopic }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();

    // The embedded job (no fraud patterns: no alert under the default rules) with the production
    // Kafka transport: rule updates on fraud.rules reach the running job through its rule queue.
    const env = {
      RECORDS_PER_SECOND: '20000',
      FRAUD_RATE: '0',
      ALERT_SINK: 'collect',
      SLUICE_FRAUD_RULES_TOPIC: rulesTopic,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobServiceModule.forJob({
          ...fraudDetectionServiceOptions(env),
          config: {
            kafka: {
              brokers: brokers.split(','),
              controlTopic,
              groupId: uniqueGroupId('fraud-service'),
              fromBeginning: true,
            },
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(await connectKafkaTransport(app)).toBe(true);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
  });

  const metric = async (name: string, labels: Record<string, string>) =>
    sampleValue(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()), name, labels) ?? 0;

  it('applies valid rule updates from fraud.rules to the running job and rejects invalid ones', async () => {
    // Normal traffic has many cards with two payments within a day (none within a minute).
    const valid: RuleUpdate = {
      id: 'strict-velocity',
      effectiveTime: 1_700_000_000_000,
      rules: { velocity: { maxTransactions: 1, windowMs: 86_400_000 } },
    };
    expect(await metric(FRAUD_ALERTS_METRIC.name, { rule: 'velocity' })).toBe(0);
    await producer.send({
      topic: rulesTopic,
      messages: [
        { key: valid.id, value: JSON.stringify(valid) },
        {
          key: 'bad',
          value: JSON.stringify({ id: 'bad', effectiveTime: 'soon', rules: { velocity: { windowMs: 0 } } }),
        },
      ],
    });
    await vi.waitFor(
      async () => {
        expect(await metric(METRIC_NAMES.controlEvents, { topic: rulesTopic, outcome: 'ok' })).toBe(1);
        expect(await metric(METRIC_NAMES.controlEvents, { topic: rulesTopic, outcome: 'rejected' })).toBe(1);
      },
      { timeout: 30_000, interval: 100 },
    );
    await vi.waitFor(
      async () => {
        expect(await metric(FRAUD_RULE_UPDATES_METRIC.name, { outcome: 'applied' })).toBe(1);
        expect(await metric(FRAUD_ALERTS_METRIC.name, { rule: 'velocity' })).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 100 },
    );
  });

  it('answers job.control commands (savepoint is refused without checkpointing) and keeps counting alerts', async () => {
    await producer.send({
      topic: controlTopic,
      messages: [{ value: JSON.stringify({ command: 'savepoint', job: 'fraud-detection' }) }],
    });
    await vi.waitFor(
      async () =>
        expect(
          await metric(METRIC_NAMES.controlCommands, { command: 'savepoint', transport: 'kafka', outcome: 'rejected' }),
        ).toBe(1),
      { timeout: 30_000, interval: 100 },
    );
    await vi.waitFor(
      async () => expect(await metric(FRAUD_ALERTS_METRIC.name, { rule: 'velocity' })).toBeGreaterThan(0),
      {
        timeout: 30_000,
        interval: 250,
      },
    );
  });
});
