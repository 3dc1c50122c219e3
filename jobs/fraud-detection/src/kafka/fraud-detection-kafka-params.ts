import type { JobParams } from '@sluice/core';
import { FraudDetectionError } from '../errors.ts';
import type { FraudRulesPatch } from '../fraud-rules.ts';

/**
 * Default topic names of the Kafka deployment.
 *
 * @example
 * ```ts
 * FRAUD_KAFKA_TOPICS.transactions; // 'fraud.transactions'
 * ```
 */
export const FRAUD_KAFKA_TOPICS = {
  transactions: 'fraud.transactions',
  alerts: 'fraud.alerts',
  deadLetters: 'fraud.transactions.dlq',
  rules: 'fraud.rules',
} as const;

/**
 * The Kafka job's parameters, parsed from {@link JobParams} (strings, numbers, booleans).
 *
 * @example
 * ```ts
 * const params = fraudDetectionKafkaJobParams({ bootstrapServers: 'localhost:9092' });
 * params.alertsTopic; // 'fraud.alerts'
 * ```
 */
export interface FraudDetectionKafkaJobParams {
  /** `host:port[,host:port...]`. */
  readonly bootstrapServers: string;
  /** Transactions as JSON values (read from the earliest offset on a fresh start). */
  readonly transactionsTopic: string;
  /** Alerts as JSON values keyed by account id, written exactly once. */
  readonly alertsTopic: string;
  /** Where records of both input topics that cannot be read go (at least once). */
  readonly deadLetterTopic: string;
  /** Rule updates as JSON values (read from the earliest offset on a fresh start). */
  readonly rulesTopic: string;
  /** Consumer group the sources commit their checkpointed offsets to (lag monitoring only). */
  readonly groupId: string;
  /** Transactional ids and idempotence markers of the alert sink: `<prefix>-<subtask>`. */
  readonly transactionalIdPrefix: string;
  /** Rules in force at start (a patch of the defaults). */
  readonly rules: FraudRulesPatch;
  readonly outOfOrdernessMs: number;
  /**
   * After this long without records, a transactions partition stops holding the watermark back;
   * `undefined` (default): never. See the README before setting it.
   */
  readonly transactionsIdleMs: number | undefined;
  /** After this long without rule updates, the rules topic stops holding the watermark back. */
  readonly ruleUpdatesIdleMs: number;
}

function invalid(message: string): never {
  throw new FraudDetectionError('INVALID_CONFIG', `Invalid fraud-detection Kafka job parameter: ${message}`);
}

function text(params: JobParams, name: string, fallback: string | undefined): string {
  const raw = params[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) invalid(`${name} is required`);
    return fallback;
  }
  if (typeof raw !== 'string') invalid(`${name} must be a string; got ${JSON.stringify(raw)}`);
  return raw;
}

function integer(params: JobParams, name: string, fallback: number | undefined, least: number): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < least) {
    invalid(`${name} must be an integer >= ${least}; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * Parses and defaults the Kafka job's parameters; throws {@link FraudDetectionError}
 * `INVALID_CONFIG` naming the bad one.
 *
 * @example
 * ```ts
 * fraudDetectionKafkaJobParams({ bootstrapServers: 'localhost:9092', rules: '{"velocity":{"maxTransactions":3}}' });
 * ```
 */
export function fraudDetectionKafkaJobParams(params: JobParams = {}): FraudDetectionKafkaJobParams {
  const rulesRaw = text(params, 'rules', '{}');
  let rules: FraudRulesPatch;
  try {
    rules = JSON.parse(rulesRaw) as FraudRulesPatch;
  } catch (e) {
    return invalid(`rules is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const transactionsIdleMs = integer(params, 'transactionsIdleMs', 0, 0) as number;
  return {
    bootstrapServers: text(params, 'bootstrapServers', undefined),
    transactionsTopic: text(params, 'transactionsTopic', FRAUD_KAFKA_TOPICS.transactions),
    alertsTopic: text(params, 'alertsTopic', FRAUD_KAFKA_TOPICS.alerts),
    deadLetterTopic: text(params, 'deadLetterTopic', FRAUD_KAFKA_TOPICS.deadLetters),
    rulesTopic: text(params, 'rulesTopic', FRAUD_KAFKA_TOPICS.rules),
    groupId: text(params, 'groupId', 'fraud-detection-job'),
    transactionalIdPrefix: text(params, 'transactionalIdPrefix', 'fraud-detection-alerts'),
    rules,
    outOfOrdernessMs: integer(params, 'outOfOrdernessMs', 5_000, 0) as number,
    transactionsIdleMs: transactionsIdleMs > 0 ? transactionsIdleMs : undefined,
    ruleUpdatesIdleMs: integer(params, 'ruleUpdatesIdleMs', 5_000, 1) as number,
  };
}
