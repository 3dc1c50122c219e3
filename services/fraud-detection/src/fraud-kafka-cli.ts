import { parseArgs } from 'node:util';
import { createKafkaClient, type KafkaClient } from '@sluice/core';
import {
  ALERT_RULES,
  FRAUD_KAFKA_TOPICS,
  generateFraudData,
  type RuleUpdate,
  validateRuleUpdate,
} from '@sluice/fraud-detection-job';
import { FRAUD_DETECTION_ENV as E } from './fraud-detection-settings.ts';
import { fraudKafkaTopics } from './kafka/fraud-kafka-topics.ts';
import { flushEventTime, inEventTimeOrder, produceTransactions } from './kafka/fraud-transactions-producer.ts';
import { readCommittedAlerts } from './kafka/read-alerts.ts';

/**
 * Helpers for Kafka mode (the README walkthrough), on the topics the service reads from the same
 * environment variables (`KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_TRANSACTIONS_TOPIC`, ...):
 *
 *   create-topics [--partitions 4]
 *   produce-transactions [--count 10000] [--seed 42] [--accounts 1000] [--fraud-rate 0.01]
 *                        [--start-time ms] [--rule-updates '[...]'] [--skip n] [--take n]
 *                        [--rate records/s] [--flush]
 *   send-rule-update '{"id":"lower-velocity","effectiveTime":1700003600000,"rules":{...}}'
 *   read-alerts [--print]
 */
const USAGE =
  'usage: fraud-kafka <create-topics | produce-transactions | send-rule-update <json> | read-alerts> [options]; ' +
  'see services/fraud-detection/README.md';

const env = process.env;
const topics = {
  transactionsTopic: env[E.transactionsTopic] || FRAUD_KAFKA_TOPICS.transactions,
  alertsTopic: env[E.alertsTopic] || FRAUD_KAFKA_TOPICS.alerts,
  deadLetterTopic: env[E.deadLetterTopic] || FRAUD_KAFKA_TOPICS.deadLetters,
  rulesTopic: env[E.rulesTopic] || FRAUD_KAFKA_TOPICS.rules,
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    partitions: { type: 'string', default: '4' },
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    accounts: { type: 'string', default: '1000' },
    'fraud-rate': { type: 'string', default: '0.01' },
    'start-time': { type: 'string' },
    'rule-updates': { type: 'string' },
    skip: { type: 'string', default: '0' },
    take: { type: 'string' },
    rate: { type: 'string' },
    flush: { type: 'boolean', default: false },
    print: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`[fraud-kafka] ${message}`);
  process.exit(1);
}

function int(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) fail(`--${name} must be an integer >= 0; got ${raw}`);
  return value;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function byRule(rules: readonly string[]): string {
  return ALERT_RULES.map((rule) => `${rule} ${rules.filter((r) => r === rule).length}`).join(', ');
}

async function produce(client: KafkaClient): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(values['rule-updates'] ?? '[]');
  } catch (error) {
    fail(`--rule-updates is not JSON (${error instanceof Error ? error.message : error})`);
  }
  if (!Array.isArray(parsed)) fail('--rule-updates must be a JSON array of rule updates');
  const ruleUpdates: RuleUpdate[] = parsed.map((u) => validateRuleUpdate(u));
  const fraudRate = Number(values['fraud-rate']);
  const options = {
    seed: int('seed', values.seed),
    accounts: int('accounts', values.accounts),
    count: int('count', values.count),
    fraudRate,
    startTime: int('start-time', values['start-time']),
    ruleUpdates,
  };
  const data = generateFraudData(options);
  const ordered = inEventTimeOrder(data.transactions);
  const skip = int('skip', values.skip) ?? 0;
  const take = int('take', values.take) ?? ordered.length - skip;
  const slice = ordered.slice(skip, skip + take);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  const written = await produceTransactions(client, topics.transactionsTopic, slice, { recordsPerSecond: rate });
  const first = slice[0];
  const last = slice.at(-1);
  console.log(
    `produced ${written} transactions (#${skip}..#${skip + written - 1} of ${ordered.length} in event-time order) to ` +
      `${topics.transactionsTopic}` +
      (first && last
        ? `, event time ${first.eventTime} (${iso(first.eventTime)}) .. ${last.eventTime} (${iso(last.eventTime)})`
        : ''),
  );
  console.log(
    `ground truth for all ${ordered.length} transactions${ruleUpdates.length > 0 ? ' with the given rule updates' : ''}: ` +
      `${data.expectedAlerts.length} alerts (${byRule(data.expectedAlerts.map((a) => a.rule))})`,
  );
  if (values.flush && last !== undefined) {
    const markers = await flushEventTime(client, topics.transactionsTopic, last.eventTime);
    console.log(`flushed event time: ${markers} marker transactions at ${iso(last.eventTime + 3_600_000)}`);
  }
}

async function sendRuleUpdate(client: KafkaClient, json: string | undefined): Promise<void> {
  let update: RuleUpdate;
  try {
    update = validateRuleUpdate(JSON.parse(json ?? ''));
  } catch (error) {
    fail(`send-rule-update needs a rule update as JSON: ${error instanceof Error ? error.message : error}`);
  }
  const producer = client.producer();
  try {
    await producer.send([
      { topic: topics.rulesTopic, key: Buffer.from(update.id), value: Buffer.from(JSON.stringify(update)) },
    ]);
  } finally {
    await producer.close();
  }
  console.log(`sent rule update ${update.id} (effective at ${iso(update.effectiveTime)}) to ${topics.rulesTopic}`);
}

async function readAlerts(client: KafkaClient): Promise<void> {
  const alerts = await readCommittedAlerts(client, topics.alertsTopic);
  if (values.print) {
    for (const a of alerts)
      console.log(JSON.stringify({ id: a.id, accountId: a.accountId, time: iso(a.eventTime), reason: a.reason }));
  }
  const distinct = new Set(alerts.map((a) => a.id)).size;
  console.log(
    `${alerts.length} alerts in ${topics.alertsTopic} (read_committed), ${distinct} distinct (${byRule(alerts.map((a) => a.rule))})`,
  );
}

const brokers = env['KAFKA_BOOTSTRAP_SERVERS']?.trim();
if (!brokers) fail('set KAFKA_BOOTSTRAP_SERVERS (e.g. localhost:9092)');
const command = positionals[0];
const client = await createKafkaClient({
  bootstrapServers: brokers.split(',').map((s) => s.trim()),
  clientId: 'fraud-kafka-cli',
});
try {
  if (command === 'create-topics') {
    const partitions = int('partitions', values.partitions) ?? 4;
    const wanted = fraudKafkaTopics(topics, env['SLUICE_CONTROL_TOPIC'] || 'job.control', Math.max(1, partitions));
    const admin = client.admin();
    try {
      await admin.createTopics(wanted);
    } finally {
      await admin.close();
    }
    console.log(`topics ready: ${wanted.map((t) => `${t.topic} (${t.partitions})`).join(', ')}`);
  } else if (command === 'produce-transactions') await produce(client);
  else if (command === 'send-rule-update') await sendRuleUpdate(client, positionals[1]);
  else if (command === 'read-alerts') await readAlerts(client);
  else fail(USAGE);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
