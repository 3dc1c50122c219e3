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
  seed: 'SEED',
  accounts: 'ACCOUNTS',
  fraudRate: 'FRAUD_RATE',
  /** JSON patch of the rules in force at start, e.g. `{"velocity":{"maxTransactions":3}}`. */
  rules: 'RULES',
  /** JSON array of rule updates applied in event time by the embedded job. */
  ruleUpdates: 'RULE_UPDATES',
  /** Absolute directory for checkpoints and savepoints; unset = no checkpointing. */
  checkpointDir: 'SLUICE_CHECKPOINT_DIR',
  /** Checkpoint interval in ms (default 10000). */
  checkpointIntervalMs: 'SLUICE_CHECKPOINT_INTERVAL_MS',
  /** `latest` (default with checkpointing), `none`, or a savepoint id to resume from. */
  restore: 'SLUICE_RESTORE',
  /** Topic of rule updates on the Kafka transport (default `fraud.rules`). */
  rulesTopic: 'SLUICE_FRAUD_RULES_TOPIC',
  /** `print` (default: alerts as JSON lines on stdout) or `collect` (kept in memory: tests only). */
  alertSink: 'ALERT_SINK',
} as const;

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
  readonly seed: number | undefined;
  readonly accounts: number | undefined;
  readonly fraudRate: number | undefined;
  readonly rules: string | undefined;
  readonly ruleUpdates: string | undefined;
  readonly checkpoint: { readonly directory: string; readonly intervalMs: number } | undefined;
  /** What to resume from (only with checkpointing). */
  readonly restore: 'latest' | 'none' | { readonly savepointId: string };
  readonly rulesTopic: string;
  readonly alertSink: 'print' | 'collect';
  /** Kafka mode: `KAFKA_BOOTSTRAP_SERVERS` is set. */
  readonly kafka: boolean;
}

/**
 * Reads the settings from `env`, with defaults; throws `INVALID_CONFIG` naming every bad value.
 *
 * @example
 * ```ts
 * fraudDetectionSettings({}).recordsPerSecond; // 1000
 * fraudDetectionSettings({ SLOTS: '0' }); // throws INVALID_CONFIG
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
  if (alertSink !== 'print' && alertSink !== 'collect') {
    problems.push(`${E.alertSink} must be print or collect; got ${JSON.stringify(alertSink)}`);
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
    seed,
    accounts,
    fraudRate,
    rules: text(E.rules),
    ruleUpdates: text(E.ruleUpdates),
    checkpoint: directory === undefined ? undefined : { directory, intervalMs },
    restore,
    rulesTopic,
    alertSink: alertSink === 'collect' ? 'collect' : 'print',
    kafka: (text('KAFKA_BOOTSTRAP_SERVERS') ?? '') !== '',
  };
}
