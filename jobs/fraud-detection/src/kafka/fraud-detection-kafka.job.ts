import { isMainThread } from 'node:worker_threads';
import { type DataStream, defineJob, type JobParams, KafkaSink, KafkaSource, PrintSink } from '@sluice/core';
import type { Alert } from '../alert.ts';
import { buildFraudDetection } from '../build-fraud-detection.ts';
import { FraudDetectionError } from '../errors.ts';
import { fraudDetectionConfig } from '../fraud-detection-config.ts';
import type { RuleUpdate } from '../rule-update.ts';
import type { Transaction } from '../transaction.ts';
import { ruleUpdateWatermarks, transactionWatermarks } from '../watermarks.ts';
import { fraudDetectionKafkaJobParams } from './fraud-detection-kafka-params.ts';
import { ruleUpdateDeserializer, transactionDeserializer } from './kafka-json.ts';

/**
 * Operator uids of the Kafka job's connectors (they key the source offsets and the sink's
 * pending transactions in checkpoints; keep them stable).
 *
 * @example
 * ```ts
 * job.metrics().operators.find((op) => op.uid === FRAUD_KAFKA_UIDS.alerts);
 * ```
 */
export const FRAUD_KAFKA_UIDS = {
  transactions: 'kafka-transactions',
  ruleUpdates: 'kafka-rule-updates',
  alerts: 'kafka-alerts',
} as const;

function toStderr<T>(stream: DataStream<T>, name: string): void {
  stream.sinkTo(new PrintSink<T>(name, (line) => process.stderr.write(`${line}\n`)), `print-${name}`);
}

/**
 * The fraud-detection job on Kafka: transactions (JSON) from `transactionsTopic` and rule updates
 * (JSON) from `rulesTopic`, each through a `KafkaSource` whose offsets are part of every
 * checkpoint, into the four rules; alerts (the {@link Alert} as JSON, keyed by account id) to
 * `alertsTopic` by a `KafkaSink` with `exactly-once` delivery (record timestamp: when written). Records that cannot be read go
 * to `deadLetterTopic`; late transactions and rejected rule updates are printed to stderr.
 * Parameters: {@link fraudDetectionKafkaJobParams}. It needs checkpointing (exactly-once commits
 * alerts when a checkpoint completes): start it with `checkpointing`, or it refuses to build.
 *
 * @example
 * ```ts
 * const job = await startJob(FRAUD_DETECTION_KAFKA_JOB_MODULE, {
 *   parallelism: 2,
 *   checkpointing: { intervalMs: 10_000, storage: new FsCheckpointStorage({ directory: '/var/lib/sluice/chk' }) },
 *   restoreFrom: 'latest',
 *   params: { bootstrapServers: 'localhost:9092' },
 * });
 * ```
 */
export default defineJob('fraud-detection', (env, raw: JobParams): Record<string, never> => {
  const params = fraudDetectionKafkaJobParams(raw);
  // Worker threads build the graph without the checkpoint settings: only the launcher checks.
  if (isMainThread && env.checkpointing === undefined) {
    throw new FraudDetectionError(
      'INVALID_CONFIG',
      'The Kafka fraud-detection job writes alerts exactly once, which needs checkpointing: ' +
        'start it with checkpointing (e.g. startJob(..., { checkpointing: { intervalMs, storage } })).',
    );
  }
  const config = fraudDetectionConfig({ rules: params.rules, outOfOrdernessMs: params.outOfOrdernessMs });
  const bootstrapServers = params.bootstrapServers;
  const txWatermarks = transactionWatermarks(config.outOfOrdernessMs);
  const transactions = env
    .fromSource(
      new KafkaSource<Transaction>({
        bootstrapServers,
        topics: [params.transactionsTopic],
        groupId: params.groupId,
        deserializer: transactionDeserializer(),
        deadLetterTopic: params.deadLetterTopic,
      }),
      params.transactionsIdleMs === undefined ? txWatermarks : txWatermarks.withIdleness(params.transactionsIdleMs),
      FRAUD_KAFKA_UIDS.transactions,
    )
    .uid(FRAUD_KAFKA_UIDS.transactions);
  const ruleUpdates = env
    .fromSource(
      new KafkaSource<RuleUpdate>({
        bootstrapServers,
        topics: [params.rulesTopic],
        groupId: params.groupId,
        deserializer: ruleUpdateDeserializer(),
        deadLetterTopic: params.deadLetterTopic,
      }),
      ruleUpdateWatermarks(params.ruleUpdatesIdleMs),
      FRAUD_KAFKA_UIDS.ruleUpdates,
    )
    .uid(FRAUD_KAFKA_UIDS.ruleUpdates)
    .setParallelism(1);
  const out = buildFraudDetection(env, { transactions, ruleUpdates, rules: config.rules });
  out.alerts.sinkTo(
    new KafkaSink<Alert>({
      bootstrapServers,
      topic: params.alertsTopic,
      key: (alert) => alert.accountId,
      serializer: 'json',
      // The record time is when the alert was written: event times can be far in the past (replays,
      // generated data), and the broker deletes records older than the topic's retention by their time.
      timestamp: 'broker',
      deliveryGuarantee: 'exactly-once',
      transactionalIdPrefix: params.transactionalIdPrefix,
    }),
    FRAUD_KAFKA_UIDS.alerts,
  );
  toStderr(out.lateTransactions, 'late-transactions');
  toStderr(out.rejectedRuleUpdates, 'rejected-rule-updates');
  return {};
});
