import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CollectSink,
  FsCheckpointStorage,
  type JobClient,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import { type Payment, paymentSource, type SpendAlert, spendAlerts } from '@sluice/job-template';
import {
  connectKafkaTransport,
  JobLifecycle,
  JobServiceError,
  JobServiceModule,
  METRIC_NAMES,
} from '@sluice/job-service';
import { parsePrometheusText, sampleValue, skipWithoutService, uniqueGroupId, uniqueTopic } from '@sluice/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe.skipIf(skipWithoutService('kafka'))('Kafka control transport', () => {
  const brokers = process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '';
  const controlTopic = uniqueTopic('job.control');
  const eventsTopic = uniqueTopic('spend.thresholds');
  const directory = mkdtempSync(join(tmpdir(), 'sluice-job-service-kafka-'));
  const received: { payload: unknown; key: string | undefined; topic: string }[] = [];
  let app: INestApplication;
  let base: string;
  let job: JobClient;
  let producer: Producer;

  beforeAll(async () => {
    const kafka = new Kafka({
      clientId: 'job-service-int-test',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: controlTopic }, { topic: eventsTopic }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();

    const moduleRef = await Test.createTestingModule({
      imports: [
        JobServiceModule.forJob({
          jobName: 'spend-alerts',
          start: () => {
            const env = StreamExecutionEnvironment.create({ parallelism: 2 });
            env.enableCheckpointing(60_000, { storage: new FsCheckpointStorage({ directory }) });
            const payments = env.fromSource(
              paymentSource({ accounts: 50, recordsPerSecond: 2_000 }),
              WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.time),
              'payments',
            );
            spendAlerts(payments, { thresholdCents: 100_000 }).sinkTo(new CollectSink<SpendAlert>(), 'alerts');
            return env.executeAsync('spend-alerts');
          },
          events: {
            [eventsTopic]: (payload, { key, topic }) => {
              if (typeof payload !== 'object' || payload === null) {
                throw new JobServiceError('INVALID_REQUEST', 'a threshold update is a JSON object');
              }
              received.push({ payload, key, topic });
            },
          },
          // Settings from the environment, as in production; only the offset reset is a test choice.
          env: {
            KAFKA_BOOTSTRAP_SERVERS: brokers,
            SLUICE_CONTROL_TOPIC: controlTopic,
            SLUICE_KAFKA_GROUP_ID: uniqueGroupId('job-service'),
          },
          config: { kafka: { fromBeginning: true } },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(await connectKafkaTransport(app)).toBe(true);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    job = app.get(JobLifecycle).client();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const send = (topic: string, value: unknown, key?: string) =>
    producer.send({
      topic,
      messages: [{ value: typeof value === 'string' ? value : JSON.stringify(value), key: key ?? null }],
    });
  const metric = async (name: string, labels: Record<string, string>) =>
    sampleValue(parsePrometheusText(await (await fetch(`${base}/metrics`)).text()), name, labels) ?? 0;
  const commands = (command: string, outcome: string) =>
    metric(METRIC_NAMES.controlCommands, { command, transport: 'kafka', outcome });

  it('takes a savepoint on a savepoint command', async () => {
    await send(controlTopic, { command: 'savepoint' });
    await vi.waitFor(async () => expect(await commands('savepoint', 'ok')).toBe(1), { timeout: 30_000, interval: 100 });
    const savepoints = (await job.listCheckpoints()).filter((c) => c.kind === 'savepoint');
    expect(savepoints).toHaveLength(1);
    expect(job.status()).toBe('RUNNING');
  });

  it('forwards job events to the job handler, and counts rejected ones', async () => {
    await send(eventsTopic, { thresholdCents: 50_000 }, 'acct-1');
    await send(eventsTopic, '"not an object"');
    await vi.waitFor(
      async () => expect(await metric(METRIC_NAMES.controlEvents, { topic: eventsTopic, outcome: 'rejected' })).toBe(1),
      { timeout: 30_000, interval: 100 },
    );
    expect(received).toEqual([{ payload: { thresholdCents: 50_000 }, key: 'acct-1', topic: eventsTopic }]);
    expect(await metric(METRIC_NAMES.controlEvents, { topic: eventsTopic, outcome: 'ok' })).toBe(1);
  });

  it('ignores commands for other jobs, rejects invalid ones, and stops the job on a stop command', async () => {
    await send(controlTopic, { command: 'restart' });
    await send(controlTopic, 'not json at all');
    await send(controlTopic, { command: 'savepoint', job: 'another-job' });
    await send(controlTopic, { command: 'stop', drain: false, job: 'spend-alerts' });
    await vi.waitFor(async () => expect(await commands('stop', 'ok')).toBe(1), { timeout: 30_000, interval: 100 });
    expect(job.status()).toBe('FINISHED');
    expect(await commands('savepoint', 'rejected')).toBe(2); // the two invalid messages
    expect(await commands('savepoint', 'ok')).toBe(1); // the other job's command was not obeyed
    expect((await job.listCheckpoints()).filter((c) => c.kind === 'savepoint')).toHaveLength(2);
  });
});
