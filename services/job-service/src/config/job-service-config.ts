import { hostname } from 'node:os';
import { JobServiceError } from '../errors.ts';

/**
 * The environment variables a job service reads (one place, so docs and code agree).
 *
 * @example
 * ```ts
 * process.env[JOB_SERVICE_ENV.port] = '9090';
 * ```
 */
export const JOB_SERVICE_ENV = {
  /** HTTP port (default 8080; 0 picks a free one). */
  port: 'PORT',
  /** Bearer token that protects the mutating control routes; unset = open. */
  apiToken: 'SLUICE_API_TOKEN',
  /** Comma-separated `host:port` list; set = the Kafka control transport is on. */
  kafkaBootstrapServers: 'KAFKA_BOOTSTRAP_SERVERS',
  /** Topic of control commands (default `job.control`). */
  controlTopic: 'SLUICE_CONTROL_TOPIC',
  /** Consumer group of the control transport (default `sluice-<job>-<hostname>`: one per replica). */
  kafkaGroupId: 'SLUICE_KAFKA_GROUP_ID',
  /** Readiness fails when the last completed checkpoint is older than this (ms, default 300000). */
  readinessMaxCheckpointAgeMs: 'SLUICE_READINESS_MAX_CHECKPOINT_AGE_MS',
  /** How long the stop-with-savepoint on shutdown may take before the job is cancelled (ms, default 60000). */
  shutdownTimeoutMs: 'SLUICE_SHUTDOWN_TIMEOUT_MS',
} as const;

/**
 * Settings of the Kafka control transport.
 *
 * @example
 * ```ts
 * const kafka: KafkaTransportConfig = { brokers: ['127.0.0.1:9092'], groupId: 'sluice-fraud-pod-1', controlTopic: 'job.control', fromBeginning: false };
 * ```
 */
export interface KafkaTransportConfig {
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly controlTopic: string;
  /** Read topics from their beginning when the group has no offsets (tests); default false (only new messages). */
  readonly fromBeginning: boolean;
}

/**
 * The validated configuration of a job service.
 *
 * @example
 * ```ts
 * const config = jobServiceConfig('fraud-detection', process.env);
 * config.port; // 8080 unless PORT is set
 * ```
 */
export interface JobServiceConfig {
  readonly port: number;
  /** Bearer token of the mutating routes; `undefined` leaves them open (a warning is logged). */
  readonly apiToken: string | undefined;
  /** The Kafka control transport, or `undefined` when `KAFKA_BOOTSTRAP_SERVERS` is not set. */
  readonly kafka: KafkaTransportConfig | undefined;
  readonly readinessMaxCheckpointAgeMs: number;
  readonly shutdownTimeoutMs: number;
}

/**
 * Values that win over the environment (tests, or a `main.ts` with fixed settings).
 *
 * @example
 * ```ts
 * const overrides: JobServiceConfigOverrides = { apiToken: 'secret', kafka: undefined };
 * ```
 */
export type JobServiceConfigOverrides = {
  readonly [K in keyof JobServiceConfig]?: K extends 'kafka'
    ? Partial<KafkaTransportConfig> | undefined
    : JobServiceConfig[K];
};

/**
 * Defaults of {@link JobServiceConfig}, in one place.
 *
 * @example
 * ```ts
 * JOB_SERVICE_DEFAULTS.port; // 8080
 * ```
 */
export const JOB_SERVICE_DEFAULTS = {
  port: 8080,
  controlTopic: 'job.control',
  readinessMaxCheckpointAgeMs: 300_000,
  shutdownTimeoutMs: 60_000,
} as const;

function integer(
  problems: string[],
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return value;
}

function brokerList(problems: string[], raw: string): string[] {
  const brokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      problems.push(
        `${JOB_SERVICE_ENV.kafkaBootstrapServers} entries must be host:port; got ${JSON.stringify(broker)}`,
      );
    }
  }
  if (brokers.length === 0) problems.push(`${JOB_SERVICE_ENV.kafkaBootstrapServers} is set but lists no broker`);
  return brokers;
}

/**
 * Whether `topic` is a legal Kafka topic name: 1-249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
 *
 * @example
 * ```ts
 * isValidTopicName('fraud.rules'); // true
 * ```
 */
export function isValidTopicName(topic: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(topic) && topic !== '.' && topic !== '..';
}

/**
 * Reads and validates the configuration from `env` (default `process.env`), then applies
 * `overrides`. Throws {@link JobServiceError} `INVALID_CONFIG` naming every invalid setting.
 *
 * @example
 * ```ts
 * jobServiceConfig('fraud-detection', { PORT: '9090' }).port; // 9090
 * jobServiceConfig('fraud-detection', { PORT: 'http' }); // throws INVALID_CONFIG
 * ```
 */
export function jobServiceConfig(
  jobName: string,
  env: NodeJS.ProcessEnv = process.env,
  overrides: JobServiceConfigOverrides = {},
): JobServiceConfig {
  const problems: string[] = [];
  const E = JOB_SERVICE_ENV;
  const port = overrides.port ?? integer(problems, E.port, env[E.port], JOB_SERVICE_DEFAULTS.port, 0, 65_535);
  const rawToken = 'apiToken' in overrides ? overrides.apiToken : env[E.apiToken];
  const apiToken = rawToken === undefined || rawToken === '' ? undefined : rawToken;
  if (apiToken !== undefined && (apiToken.length < 16 || /\s/.test(apiToken))) {
    problems.push(`${E.apiToken} must be at least 16 characters without spaces (e.g. \`openssl rand -hex 32\`)`);
  }
  const readinessMaxCheckpointAgeMs =
    overrides.readinessMaxCheckpointAgeMs ??
    integer(
      problems,
      E.readinessMaxCheckpointAgeMs,
      env[E.readinessMaxCheckpointAgeMs],
      JOB_SERVICE_DEFAULTS.readinessMaxCheckpointAgeMs,
      1,
    );
  const shutdownTimeoutMs =
    overrides.shutdownTimeoutMs ??
    integer(problems, E.shutdownTimeoutMs, env[E.shutdownTimeoutMs], JOB_SERVICE_DEFAULTS.shutdownTimeoutMs, 1);

  let kafka: KafkaTransportConfig | undefined;
  const kafkaOverride = overrides.kafka;
  const kafkaDisabled = 'kafka' in overrides && kafkaOverride === undefined;
  const rawBrokers = env[E.kafkaBootstrapServers]?.trim();
  if (!kafkaDisabled && (kafkaOverride?.brokers !== undefined || (rawBrokers !== undefined && rawBrokers !== ''))) {
    const brokers = kafkaOverride?.brokers ?? brokerList(problems, rawBrokers ?? '');
    const controlTopic =
      kafkaOverride?.controlTopic ?? env[E.controlTopic]?.trim() ?? JOB_SERVICE_DEFAULTS.controlTopic;
    if (!isValidTopicName(controlTopic)) {
      problems.push(
        `${E.controlTopic} must be a Kafka topic name ([a-zA-Z0-9._-], 1-249 chars); got ${JSON.stringify(controlTopic)}`,
      );
    }
    const groupId = kafkaOverride?.groupId ?? (env[E.kafkaGroupId]?.trim() || `sluice-${jobName}-${hostname()}`);
    kafka = { brokers, groupId, controlTopic, fromBeginning: kafkaOverride?.fromBeginning ?? false };
  }

  if (problems.length > 0) {
    throw new JobServiceError(
      'INVALID_CONFIG',
      `Invalid job service configuration: ${problems.join('; ')}. Fix the environment variables and restart.`,
    );
  }
  return { port, apiToken, kafka, readinessMaxCheckpointAgeMs, shutdownTimeoutMs };
}
