import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  FRAUD_ALERTS_METRIC,
  fraudDetectionServiceOptions,
  fraudDetectionSettings,
  startEmbeddedFraudDetection,
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

    const env = {
      KAFKA_BOOTSTRAP_SERVERS: brokers,
      SLUICE_FRAUD_RULES_TOPIC: rulesTopic,
      SLUICE_CONTROL_TOPIC: controlTopic,
      SLUICE_KAFKA_GROUP_ID: uniqueGroupId('fraud-service'),
    };
    // Kafka mode cannot start the job until the Kafka connectors exist: the transport is the
    // production one, the job the embedded one.
    const embedded = fraudDetectionSettings({ RECORDS_PER_SECOND: '2000', ALERT_SINK: 'collect' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobServiceModule.forJob({
          ...fraudDetectionServiceOptions(env),
          start: () => startEmbeddedFraudDetection(embedded),
          config: { kafka: { fromBeginning: true } },
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

  it('validates rule updates from fraud.rules: valid ones accepted, invalid ones rejected', async () => {
    const valid: RuleUpdate = {
      id: 'lower-velocity',
      effectiveTime: 1_700_000_000_000,
      rules: { velocity: { maxTransactions: 3 } },
    };
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
