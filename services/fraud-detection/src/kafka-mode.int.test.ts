import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  type CheckpointInfo,
  CollectionSource,
  CollectSink,
  createKafkaClient,
  type KafkaClient,
  StreamExecutionEnvironment,
} from '@sluice/core';
import {
  ALERT_RULES,
  type Alert,
  type AlertSignature,
  alertSignature,
  buildFraudDetection,
  compareAlertSignatures,
  FRAUD_KAFKA_UIDS,
  generateFraudData,
  type RuleUpdate,
  type Transaction,
  type TransactionGeneratorOptions,
  transactionWatermarks,
} from '@sluice/fraud-detection-job';
import {
  FRAUD_ALERTS_METRIC,
  FRAUD_RULE_UPDATES_METRIC,
  FraudDetectionServiceError,
  flushEventTime,
  fraudDetectionServiceOptions,
  fraudKafkaTopics,
  inEventTimeOrder,
  produceTransactions,
  readCommittedAlerts,
} from '@sluice/fraud-detection-service';
import {
  type CheckpointsView,
  connectKafkaTransport,
  JobLifecycle,
  JobServiceModule,
  METRIC_NAMES,
} from '@sluice/job-service';
import {
  type PrometheusFamily,
  parsePrometheusText,
  skipWithoutService,
  uniqueGroupId,
  uniqueTopic,
  uniqueTransactionalId,
} from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const START = 1_700_000_000_000;
const HOUR = 3_600_000;

interface Deployment {
  readonly env: NodeJS.ProcessEnv;
  readonly transactionsTopic: string;
  readonly alertsTopic: string;
  readonly deadLetterTopic: string;
  readonly rulesTopic: string;
}

interface Service {
  readonly app: INestApplication;
  readonly base: string;
}

const signatures = (alerts: readonly Alert[]): AlertSignature[] =>
  alerts.map(alertSignature).sort(compareAlertSignatures);

/** The sum of every sample of `name` whose labels include `labels` (0 when there is none). */
function total(families: ReadonlyMap<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}) {
  let sum = 0;
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}

/** The alerts of `transactions` when no rule update arrives: the same job, in memory. */
async function alertsWithoutUpdates(transactions: readonly Transaction[]): Promise<AlertSignature[]> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const source = env.fromSource(new CollectionSource([...transactions]), transactionWatermarks(5_000), 'transactions');
  const sink = new CollectSink<Alert>();
  buildFraudDetection(env, { transactions: source }).alerts.sinkTo(sink, 'alerts');
  await env.execute('fraud-detection-no-updates');
  return signatures(sink.values);
}

describe.skipIf(skipWithoutService('kafka'))('fraud-detection service in Kafka mode (real broker)', () => {
  const brokers = process.env['KAFKA_BOOTSTRAP_SERVERS'] ?? '';
  const directories: string[] = [];
  const apps: INestApplication[] = [];
  let client: KafkaClient;

  beforeAll(async () => {
    client = await createKafkaClient({ bootstrapServers: brokers.split(','), clientId: 'fraud-kafka-mode-test' });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  /** Fresh topics (transactions and alerts with 4 partitions), checkpoint directory and names. */
  async function deploy(name: string, slots: number, create = true): Promise<Deployment> {
    const topics = {
      transactionsTopic: uniqueTopic(`${name}.transactions`),
      alertsTopic: uniqueTopic(`${name}.alerts`),
      deadLetterTopic: uniqueTopic(`${name}.dlq`),
      rulesTopic: uniqueTopic(`${name}.rules`),
    };
    const controlTopic = uniqueTopic(`${name}.control`);
    if (create) {
      const admin = client.admin();
      try {
        await admin.createTopics(fraudKafkaTopics(topics, controlTopic, 4));
        // Topic metadata reaches every connection a moment after the creation returns.
        await vi.waitFor(async () => {
          const existing = await admin.listTopics();
          for (const topic of Object.values(topics)) expect(existing).toContain(topic);
          expect(await admin.partitionsOf([topics.transactionsTopic])).toHaveLength(4);
        });
      } finally {
        await admin.close();
      }
    }
    const checkpoints = mkdtempSync(join(tmpdir(), 'sluice-fraud-kafka-'));
    directories.push(checkpoints);
    return {
      ...topics,
      env: {
        KAFKA_BOOTSTRAP_SERVERS: brokers,
        KAFKA_TRANSACTIONS_TOPIC: topics.transactionsTopic,
        KAFKA_ALERTS_TOPIC: topics.alertsTopic,
        KAFKA_DEAD_LETTER_TOPIC: topics.deadLetterTopic,
        SLUICE_FRAUD_RULES_TOPIC: topics.rulesTopic,
        KAFKA_SOURCE_GROUP_ID: uniqueGroupId(name),
        KAFKA_TRANSACTIONAL_ID_PREFIX: uniqueTransactionalId(name),
        KAFKA_RULES_IDLE_MS: '1000',
        SLUICE_CONTROL_TOPIC: controlTopic,
        SLUICE_KAFKA_GROUP_ID: uniqueGroupId(`${name}-transport`),
        SLUICE_CHECKPOINT_DIR: checkpoints,
        SLUICE_CHECKPOINT_INTERVAL_MS: '300',
        PARALLELISM: '2',
        SLOTS: String(slots),
      },
    };
  }

  /** The service as `main.ts` runs it: job started on init, Kafka transport connected, HTTP up. */
  async function startService(deployment: Deployment): Promise<Service> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobServiceModule.forJob({
          ...fraudDetectionServiceOptions(deployment.env),
          config: { kafka: { fromBeginning: true } },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.init();
    expect(await connectKafkaTransport(app)).toBe(true);
    await app.listen(0, '127.0.0.1');
    return { app, base: await app.getUrl() };
  }

  async function stopService(service: Service): Promise<void> {
    await service.app.close();
    apps.splice(apps.indexOf(service.app), 1);
  }

  const metrics = async (service: Service) =>
    parsePrometheusText(await (await fetch(`${service.base}/metrics`)).text());

  /** Waits until the alerts topic holds `count` committed alerts, then two more checkpoints. */
  async function committedAlerts(service: Service, topic: string, count: number): Promise<Alert[]> {
    await vi.waitFor(
      async () => expect((await readCommittedAlerts(client, topic)).length).toBeGreaterThanOrEqual(count),
      {
        timeout: 180_000,
        interval: 1_000,
      },
    );
    // Whatever else the job would write (a duplicate, an extra alert) is committed by then.
    const completed = total(await metrics(service), METRIC_NAMES.checkpointsCompleted);
    await vi.waitFor(
      async () =>
        expect(total(await metrics(service), METRIC_NAMES.checkpointsCompleted)).toBeGreaterThan(completed + 1),
      { timeout: 30_000, interval: 100 },
    );
    return readCommittedAlerts(client, topic);
  }

  it('alerts in the alerts topic are the ground truth, a rule update on the rules topic changes them, /metrics shows it', async () => {
    const update: RuleUpdate = {
      id: 'strict-velocity',
      effectiveTime: START + 200 * HOUR,
      rules: { velocity: { maxTransactions: 3, windowMs: 30_000 } },
    };
    const options: TransactionGeneratorOptions = {
      seed: 11,
      accounts: 400,
      count: 20_000,
      fraudRate: 0.04,
      startTime: START,
      ruleUpdates: [update],
    };
    const data = generateFraudData(options);
    const transactions = inEventTimeOrder(data.transactions);
    // Worker threads (SLOTS=2) here, the service's thread in the restart test.
    const deployment = await deploy('fraud-e2e', 2);
    const service = await startService(deployment);
    const job = service.app.get(JobLifecycle).client();
    expect(job.status()).toBe('RUNNING');

    // The rule update first (and an invalid one): the job reads them from the topic.
    const producer = client.producer();
    await producer.send([
      { topic: deployment.rulesTopic, key: Buffer.from(update.id), value: Buffer.from(JSON.stringify(update)) },
      {
        topic: deployment.rulesTopic,
        key: Buffer.from('bad'),
        value: Buffer.from(JSON.stringify({ id: 'bad', effectiveTime: START, rules: { velocity: { windowMs: 0 } } })),
      },
      // Not a transaction: goes to the dead-letter topic, the job goes on.
      { topic: deployment.transactionsTopic, partition: 0, key: null, value: Buffer.from('{"id":"tx-broken"') },
    ]);
    await producer.close();
    await vi.waitFor(
      async () => {
        const families = await metrics(service);
        expect(total(families, FRAUD_RULE_UPDATES_METRIC.name, { outcome: 'applied' })).toBe(1);
        expect(total(families, FRAUD_RULE_UPDATES_METRIC.name, { outcome: 'rejected' })).toBe(1);
        // The transport handler validated and counted both, without applying them a second time.
        expect(total(families, METRIC_NAMES.controlEvents, { topic: deployment.rulesTopic, outcome: 'ok' })).toBe(1);
        expect(total(families, METRIC_NAMES.controlEvents, { topic: deployment.rulesTopic, outcome: 'rejected' })).toBe(
          1,
        );
      },
      { timeout: 60_000, interval: 200 },
    );

    await produceTransactions(client, deployment.transactionsTopic, transactions);
    await flushEventTime(client, deployment.transactionsTopic, (transactions.at(-1) as Transaction).eventTime);
    const alerts = await committedAlerts(service, deployment.alertsTopic, data.expectedAlerts.length);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    expect(signatures(alerts)).toEqual(data.expectedAlerts);

    // The update made the difference: the same transactions without it give fewer velocity alerts
    // after its effective time, and the same alerts everywhere else.
    const without = await alertsWithoutUpdates(transactions);
    const before = (s: AlertSignature) => s.rule !== 'velocity' || s.eventTime < update.effectiveTime;
    expect(data.expectedAlerts.filter(before)).toEqual(without.filter(before));
    const extra = data.expectedAlerts.filter((s) => !before(s)).length - without.filter((s) => !before(s)).length;
    expect(extra).toBeGreaterThan(10);

    const families = await metrics(service);
    for (const rule of ALERT_RULES) {
      expect(total(families, FRAUD_ALERTS_METRIC.name, { rule }), rule).toBe(
        data.expectedAlerts.filter((a) => a.rule === rule).length,
      );
    }
    const source = { operator: FRAUD_KAFKA_UIDS.transactions, topic: deployment.transactionsTopic };
    expect(total(families, 'sluice_kafka_source_records_in_total', source)).toBe(transactions.length + 1 + 4);
    expect(total(families, 'sluice_kafka_source_dead_letters_total', source)).toBe(1);
    expect(families.get('sluice_kafka_source_lag_records')?.type).toBe('gauge');
    expect(total(families, 'sluice_kafka_sink_records_out_total', { operator: FRAUD_KAFKA_UIDS.alerts })).toBe(
      alerts.length,
    );
    expect(total(families, 'sluice_kafka_sink_commits_total', { operator: FRAUD_KAFKA_UIDS.alerts })).toBeGreaterThan(
      0,
    );

    // The dead letter, with its reason.
    const dlq = client.consumer({ isolation: 'read_committed', maxWaitMs: 100 });
    try {
      await dlq.assign([{ topic: deployment.deadLetterTopic, partition: 0, start: { kind: 'earliest' } }]);
      const records = (await vi.waitFor(async () => {
        const batch = (await dlq.poll()).flatMap((b) => b.records);
        expect(batch.length).toBeGreaterThan(0);
        return batch;
      })) as { value: Buffer | null; headers: readonly { key: string; value: Buffer }[] }[];
      expect(records[0]?.value?.toString()).toBe('{"id":"tx-broken"');
      const error = records[0]?.headers.find((h) => h.key === 'sluice.dlq.error')?.value.toString();
      expect(error).toMatch(/a transaction must be JSON/);
    } finally {
      await dlq.close();
    }
    await stopService(service);
  }, 300_000);

  it('stop with a savepoint, restart, keep producing: no alert lost or duplicated', async () => {
    const options: TransactionGeneratorOptions = {
      seed: 5,
      accounts: 300,
      count: 12_000,
      fraudRate: 0.04,
      startTime: START,
    };
    const data = generateFraudData(options);
    const transactions = inEventTimeOrder(data.transactions);
    const deployment = await deploy('fraud-restart', 1);

    const first = await startService(deployment);
    await produceTransactions(client, deployment.transactionsTopic, transactions.slice(0, 5_000));
    await vi.waitFor(
      async () => expect((await readCommittedAlerts(client, deployment.alertsTopic)).length).toBeGreaterThan(20),
      { timeout: 120_000, interval: 500 },
    );
    const response = await fetch(`${first.base}/api/job/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ drain: false }),
    });
    expect(response.status).toBe(200);
    const savepoint = (await response.json()) as CheckpointInfo;
    expect(savepoint.kind).toBe('savepoint');
    expect(first.app.get(JobLifecycle).client().status()).toBe('FINISHED');
    await stopService(first);
    const beforeRestart = (await readCommittedAlerts(client, deployment.alertsTopic)).length;
    expect(beforeRestart).toBeLessThan(data.expectedAlerts.length);

    // Transactions keep coming while the service is down; it catches up from its savepoint.
    await produceTransactions(client, deployment.transactionsTopic, transactions.slice(5_000, 8_000));
    const second = await startService(deployment);
    await vi.waitFor(
      async () => {
        const view = (await (await fetch(`${second.base}/api/job/checkpoints`)).json()) as CheckpointsView;
        expect(view.stats.restoredFrom).toBe(savepoint.checkpointId);
      },
      { timeout: 60_000, interval: 100 },
    );
    await produceTransactions(client, deployment.transactionsTopic, transactions.slice(8_000));
    await flushEventTime(client, deployment.transactionsTopic, (transactions.at(-1) as Transaction).eventTime);
    const alerts = await committedAlerts(second, deployment.alertsTopic, data.expectedAlerts.length);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    expect(signatures(alerts)).toEqual(data.expectedAlerts);
    await stopService(second);
  }, 300_000);

  it('refuses to start when a topic is missing, saying how to create it', async () => {
    const deployment = await deploy('fraud-missing', 1, false);
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobServiceModule.forJob({ ...fraudDetectionServiceOptions(deployment.env), config: { kafka: undefined } }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const failure = await app.init().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(
      /needs the topics .* which do not exist\. Create them with `npm run -w @sluice\/fraud-detection-service create-topics`/,
    );
    expect(failure?.cause).toBeInstanceOf(FraudDetectionServiceError);
    expect((failure?.cause as FraudDetectionServiceError).code).toBe('KAFKA_TOPICS_MISSING');
    await app.close();
  });
});
