import type { KafkaClient, NewTopic } from '@sluice/core';
import { FraudDetectionServiceError } from '../errors.ts';
import type { FraudDetectionKafkaSettings } from '../fraud-detection-settings.ts';

/**
 * The topics of Kafka mode as `create-topics` creates them: transactions and alerts with
 * `partitions` partitions (at least the job's parallelism for transactions), one partition for
 * dead letters, rule updates (kept forever: a fresh start replays them) and control commands.
 *
 * @example
 * ```ts
 * await admin.createTopics(fraudKafkaTopics(settings.kafka, 'job.control', 4));
 * ```
 */
export function fraudKafkaTopics(
  kafka: Pick<FraudDetectionKafkaSettings, 'transactionsTopic' | 'alertsTopic' | 'deadLetterTopic' | 'rulesTopic'>,
  controlTopic: string | undefined,
  partitions: number,
): NewTopic[] {
  const topics: NewTopic[] = [
    { topic: kafka.transactionsTopic, partitions },
    { topic: kafka.alertsTopic, partitions },
    { topic: kafka.deadLetterTopic, partitions: 1 },
    { topic: kafka.rulesTopic, partitions: 1, configs: { 'retention.ms': '-1' } },
  ];
  if (controlTopic !== undefined) topics.push({ topic: controlTopic, partitions: 1 });
  return topics;
}

/**
 * Checks, before the job starts, what would otherwise fail later or silently stall: every topic of
 * Kafka mode exists, and (without `KAFKA_TRANSACTIONS_IDLE_MS`) the transactions topic has at least
 * `parallelism` partitions (a source subtask without a partition would hold the event-time watermark
 * back for ever: no alert would be raised). Throws `KAFKA_TOPICS_MISSING` saying what to do.
 *
 * @example
 * ```ts
 * await checkFraudKafkaTopics(client, settings.kafka, settings.parallelism);
 * ```
 */
export async function checkFraudKafkaTopics(
  client: KafkaClient,
  kafka: FraudDetectionKafkaSettings,
  parallelism: number,
): Promise<void> {
  const admin = client.admin();
  try {
    const wanted = [kafka.transactionsTopic, kafka.alertsTopic, kafka.deadLetterTopic, kafka.rulesTopic];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new FraudDetectionServiceError(
        'KAFKA_TOPICS_MISSING',
        `Kafka mode needs the topics ${missing.join(', ')} on ${kafka.bootstrapServers}, which do not exist. ` +
          'Create them with `npm run -w @sluice/fraud-detection-service create-topics` (it reads the same ' +
          'environment variables) or your own tooling, then start again.',
      );
    }
    if (kafka.transactionsIdleMs !== undefined) return;
    const partitions = (await admin.partitionsOf([kafka.transactionsTopic])).length;
    if (partitions < parallelism) {
      throw new FraudDetectionServiceError(
        'KAFKA_TOPICS_MISSING',
        `${kafka.transactionsTopic} has ${partitions} partition(s) but PARALLELISM is ${parallelism}: a source ` +
          'subtask without a partition would hold event time back and no alert would be raised. Add partitions ' +
          `(e.g. kafka-topics.sh --alter --topic ${kafka.transactionsTopic} --partitions ${parallelism}), lower ` +
          'PARALLELISM, or set KAFKA_TRANSACTIONS_IDLE_MS.',
      );
    }
  } finally {
    await admin.close();
  }
}
