import { isAbsolute } from 'node:path';
import { FraudDetectionServiceError } from './errors.ts';

/**
 * Environment variables of the fraud-detection service, besides the job service's own
 * (`PORT`, `SLUICE_API_TOKEN`, `KAFKA_BOOTSTRAP_SERVERS`, ... see `JOB_SERVICE_ENV`).
 *
 * @example
 * ```ts
 * process.env[FRAUD_DETECTION_ENV.parallelism] = '4';
 * ```
 */
export const FRAUD_DETECTION_ENV = {
  parallelism: 'PARALLELISM',
  slots: 'SLOTS',
  /** Generated transactions per second; 0 = as fast as possible (default 1000). */
  recordsPerSecond: 'RECORDS_PER_SECOND',
  /** Transactions to generate in all; unset = unbounded (the default). */
  transactionCount: 'TRANSACTION_COUNT',
  seed: 'SEED',
  accounts: 'ACCOUNTS',
  fraudRate: 'FRAUD_RATE',
  /** JSON patch of the rules in force at start, e.g. `{"velocity":{"maxTransactions":3}}`. */
  rules: 'RULES',
  /** JSON array of rule updates applied in event time by the embedded job. */
  ruleUpdates: 'RULE_UPDATES',
  /** Absolute directory for checkpoints and savepoints; unset = no checkpointing (required in Kafka mode). */
  checkpointDir: 'SLUICE_CHECKPOINT_DIR',
  /** Checkpoint interval in ms (default 10000). */
  checkpointIntervalMs: 'SLUICE_CHECKPOINT_INTERVAL_MS',
  /** `latest` (default with checkpointing), `none`, or a savepoint id to resume from. */
  restore: 'SLUICE_RESTORE',
  /** Topic of rule updates on the Kafka transport (default `fraud.rules`). */
  rulesTopic: 'SLUICE_FRAUD_RULES_TOPIC',
  /**
   * `print` (default: alerts as JSON lines on stdout), `file` (JSON-line part files in
   * `ALERT_DIR`, committed exactly once with each checkpoint) or `collect` (in memory: tests only).
   */
  alertSink: 'ALERT_SINK',
  /** Absolute directory of the alert part files, with `ALERT_SINK=file`. */
  alertDir: 'ALERT_DIR',
  /** How far (ms) a transaction may trail the newest one before it is late (default 5000). */
  outOfOrdernessMs: 'OUT_OF_ORDERNESS_MS',
  /** Kafka mode: topic of transactions (JSON; default `fraud.transactions`). */
  transactionsTopic: 'KAFKA_TRANSACTIONS_TOPIC',
  /** Kafka mode: topic of alerts (JSON, keyed by account id, exactly once; default `fraud.alerts`). */
  alertsTopic: 'KAFKA_ALERTS_TOPIC',
  /** Kafka mode: topic of records that cannot be read (default `fraud.transactions.dlq`). */
  deadLetterTopic: 'KAFKA_DEAD_LETTER_TOPIC',
  /** Kafka mode: group the job's sources commit checkpointed offsets to, for lag (default `fraud-detection-job`). */
  sourceGroupId: 'KAFKA_SOURCE_GROUP_ID',
  /** Kafka mode: transactional id prefix of the alert sink (default `fraud-detection-alerts`). */
  transactionalIdPrefix: 'KAFKA_TRANSACTIONAL_ID_PREFIX',
  /** Kafka mode: ms without records after which a transactions partition stops holding the watermark (default 0 = never). */
  transactionsIdleMs: 'KAFKA_TRANSACTIONS_IDLE_MS',
  /** Kafka mode: ms without rule updates after which the rules topic stops holding the watermark (default 5000). */
  rulesIdleMs: 'KAFKA_RULES_IDLE_MS',
} as const;

/** What only the embedded generator and its alert sinks read: refused in Kafka mode. */
const EMBEDDED_ONLY = [
  FRAUD_DETECTION_ENV.recordsPerSecond,
  FRAUD_DETECTION_ENV.transactionCount,
  FRAUD_DETECTION_ENV.seed,
  FRAUD_DETECTION_ENV.accounts,
  FRAUD_DETECTION_ENV.fraudRate,
  FRAUD_DETECTION_ENV.ruleUpdates,
  FRAUD_DETECTION_ENV.alertSink,
  FRAUD_DETECTION_ENV.alertDir,
] as const;

/** A legal Kafka topic name. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Kafka mode's settings (`KAFKA_BOOTSTRAP_SERVERS` is set): where the job reads transactions and
 * rule updates and writes alerts and dead letters.
 *
 * @example
 * ```ts
 * const kafka = fraudDetectionSettings({ KAFKA_BOOTSTRAP_SERVERS: 'localhost:9092', SLUICE_CHECKPOINT_DIR: '/tmp/chk' }).kafka;
 * kafka?.alertsTopic; // 'fraud.alerts'
 * ```
 */
export interface FraudDetectionKafkaSettings {
  readonly bootstrapServers: string;
  readonly transactionsTopic: string;
  readonly alertsTopic: string;
  readonly deadLetterTopic: string;
  /** The same topic the Kafka transport's `fraud.rules` handler validates and counts. */
  readonly rulesTopic: string;
  readonly sourceGroupId: string;
  readonly transactionalIdPrefix: string;
  /** `undefined`: transaction partitions never count as idle. */
  readonly transactionsIdleMs: number | undefined;
  readonly rulesIdleMs: number;
}

/**
 * The validated settings of the fraud-detection service.
 *
 * @example
 * ```ts
 * const settings = fraudDetectionSettings({ PARALLELISM: '4' });
 * settings.parallelism; // 4
 * ```
 */
export interface FraudDetectionSettings {
  readonly parallelism: number;
  readonly slots: number;
  readonly recordsPerSecond: number | undefined;
  /** Transactions to generate; `undefined` = unbounded. */
  readonly transactionCount: number | undefined;
  readonly seed: number | undefined;
  readonly accounts: number | undefined;
  readonly fraudRate: number | undefined;
  readonly rules: string | undefined;
  readonly ruleUpdates: string | undefined;
  readonly checkpoint: { readonly directory: string; readonly intervalMs: number } | undefined;
  /** What to resume from (only with checkpointing). */
  readonly restore: 'latest' | 'none' | { readonly savepointId: string };
  readonly rulesTopic: string;
  readonly alertSink: 'print' | 'collect' | 'file';
  /** Where `alertSink: 'file'` writes. */
  readonly alertDir: string | undefined;
  readonly outOfOrdernessMs: number;
  /** Kafka mode (`KAFKA_BOOTSTRAP_SERVERS` is set): topics and names; `undefined` in embedded mode. */
  readonly kafka: FraudDetectionKafkaSettings | undefined;
  /**
   * Rule updates from `POST /api/rules` and the `fraud.rules` transport reach the running job
   * (embedded mode with `SLOTS=1`: the job's rule-update queue runs in the service's thread).
   */
  readonly liveRuleUpdates: boolean;
}

/**
 * Reads the settings from `env`, with defaults; throws `INVALID_CONFIG` naming every bad value.
 *
 * @example
 * ```ts
 * fraudDetectionSettings({}).recordsPerSecond; // 1000
 * fraudDetectionSettings({ SLOTS: '0' }); // throws INVALID_CONFIG
 * fraudDetectionSettings({ KAFKA_BOOTSTRAP_SERVERS: 'localhost:9092' }); // throws: Kafka mode needs SLUICE_CHECKPOINT_DIR
 * ```
 */
export function fraudDetectionSettings(env: NodeJS.ProcessEnv = process.env): FraudDetectionSettings {
  const E = FRAUD_DETECTION_ENV;
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const number = (name: string, fallback: number | undefined, ok: (n: number) => boolean, what: string) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!ok(value)) {
      problems.push(`${name} must be ${what}; got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const positiveInt = (n: number) => Number.isSafeInteger(n) && n >= 1;
  const parallelism = number(E.parallelism, 2, positiveInt, 'an integer >= 1') as number;
  const slots = number(E.slots, 1, positiveInt, 'an integer >= 1') as number;
  const rate = number(E.recordsPerSecond, 1_000, (n) => Number.isFinite(n) && n >= 0, 'a number >= 0') as number;
  const transactionCount = number(E.transactionCount, undefined, positiveInt, 'an integer >= 1');
  const seed = number(E.seed, undefined, Number.isSafeInteger, 'an integer');
  const accounts = number(E.accounts, undefined, positiveInt, 'an integer >= 1');
  const fraudRate = number(E.fraudRate, undefined, (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
  for (const name of [E.rules, E.ruleUpdates]) {
    const raw = text(name);
    if (raw === undefined) continue;
    try {
      JSON.parse(raw);
    } catch {
      problems.push(`${name} must be JSON; got ${JSON.stringify(raw.slice(0, 80))}`);
    }
  }
  const directory = text(E.checkpointDir);
  if (directory !== undefined && !isAbsolute(directory)) {
    problems.push(`${E.checkpointDir} must be an absolute path; got ${JSON.stringify(directory)}`);
  }
  const intervalMs = number(E.checkpointIntervalMs, 10_000, positiveInt, 'an integer >= 1 (ms)') as number;
  const restoreRaw = text(E.restore) ?? 'latest';
  const restore = restoreRaw === 'latest' || restoreRaw === 'none' ? restoreRaw : { savepointId: restoreRaw };
  if (directory === undefined && text(E.restore) !== undefined && restoreRaw !== 'none') {
    problems.push(`${E.restore} needs ${E.checkpointDir} (restoring reads checkpoint storage)`);
  }
  const rulesTopic = text(E.rulesTopic) ?? 'fraud.rules';
  const alertSink = text(E.alertSink) ?? 'print';
  if (alertSink !== 'print' && alertSink !== 'collect' && alertSink !== 'file') {
    problems.push(`${E.alertSink} must be print, file or collect; got ${JSON.stringify(alertSink)}`);
  }
  const alertDir = text(E.alertDir);
  if (alertSink === 'file' && (alertDir === undefined || !isAbsolute(alertDir))) {
    problems.push(
      `${E.alertSink}=file needs ${E.alertDir}, an absolute directory; got ${JSON.stringify(alertDir ?? '')}`,
    );
  }
  const outOfOrdernessMs = number(
    E.outOfOrdernessMs,
    5_000,
    (n) => Number.isSafeInteger(n) && n >= 0,
    'an integer >= 0 (ms)',
  ) as number;
  const bootstrapServers = text('KAFKA_BOOTSTRAP_SERVERS');
  let kafka: FraudDetectionKafkaSettings | undefined;
  if (bootstrapServers !== undefined) {
    const topic = (name: string, fallback: string): string => {
      const value = text(name) ?? fallback;
      if (!TOPIC.test(value))
        problems.push(`${name} must be a Kafka topic name ([a-zA-Z0-9._-]); got ${JSON.stringify(value)}`);
      return value;
    };
    kafka = {
      bootstrapServers,
      transactionsTopic: topic(E.transactionsTopic, 'fraud.transactions'),
      alertsTopic: topic(E.alertsTopic, 'fraud.alerts'),
      deadLetterTopic: topic(E.deadLetterTopic, 'fraud.transactions.dlq'),
      rulesTopic: topic(E.rulesTopic, 'fraud.rules'),
      sourceGroupId: text(E.sourceGroupId) ?? 'fraud-detection-job',
      transactionalIdPrefix: text(E.transactionalIdPrefix) ?? 'fraud-detection-alerts',
      transactionsIdleMs:
        number(
          E.transactionsIdleMs,
          undefined,
          (n) => Number.isSafeInteger(n) && n >= 0,
          'an integer >= 0 (ms; 0 = never idle)',
        ) || undefined,
      rulesIdleMs: number(E.rulesIdleMs, 5_000, positiveInt, 'an integer >= 1 (ms)') as number,
    };
    const topics = [kafka.transactionsTopic, kafka.alertsTopic, kafka.deadLetterTopic, kafka.rulesTopic];
    if (new Set(topics).size < topics.length) {
      problems.push(
        `the Kafka topics must differ: ${E.transactionsTopic}, ${E.alertsTopic}, ${E.deadLetterTopic} and ${E.rulesTopic} are ${topics.join(', ')}`,
      );
    }
    if (directory === undefined) {
      problems.push(
        `Kafka mode writes alerts exactly once, which needs checkpoints: set ${E.checkpointDir} to an absolute ` +
          'directory on a persistent volume (checkpoints and savepoints hold the Kafka offsets and the alerts not committed yet)',
      );
    }
    const embeddedOnly = EMBEDDED_ONLY.filter((name) => text(name) !== undefined);
    if (embeddedOnly.length > 0) {
      problems.push(
        `${embeddedOnly.join(', ')} only apply to the embedded generator: unset them in Kafka mode (transactions come ` +
          `from ${kafka.transactionsTopic}, alerts go to ${kafka.alertsTopic}, rule updates to ${kafka.rulesTopic})`,
      );
    }
  }
  if (problems.length > 0) {
    throw new FraudDetectionServiceError(
      'INVALID_CONFIG',
      `Invalid fraud-detection service configuration: ${problems.join('; ')}. Fix the environment variables and restart.`,
    );
  }
  return {
    parallelism,
    slots,
    recordsPerSecond: rate > 0 ? rate : undefined,
    transactionCount,
    seed,
    accounts,
    fraudRate,
    rules: text(E.rules),
    ruleUpdates: text(E.ruleUpdates),
    checkpoint: directory === undefined ? undefined : { directory, intervalMs },
    restore,
    rulesTopic,
    alertSink: alertSink as FraudDetectionSettings['alertSink'], // checked above
    alertDir: alertSink === 'file' ? alertDir : undefined,
    outOfOrdernessMs,
    kafka,
    liveRuleUpdates: kafka === undefined && slots === 1,
  };
}
