import type * as KafkaJs from 'kafkajs';
import type { ErrorCode } from '../../../errors.ts';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { describeCause, describeSecurityFailure, KafkaClientError } from '../kafka-client-error.ts';

/** The kafkajs module (CommonJS), loaded on first use. */
export type KafkaJsModule = typeof KafkaJs;

/** The `Kafka` instance of a {@link KafkaClientConfig}. */
export function createKafkaJs(lib: KafkaJsModule, config: KafkaClientConfig): KafkaJs.Kafka {
  const sasl = config.sasl;
  return new lib.Kafka({
    clientId: config.clientId ?? 'sluice',
    brokers: [...config.bootstrapServers],
    connectionTimeout: config.connectTimeoutMs ?? 10_000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: lib.logLevel.NOTHING,
    // As for @platformatic/kafka: start backing off at 20 ms (default 300 ms), e.g. for the
    // CONCURRENT_TRANSACTIONS a transaction meets right after the previous commit.
    retry: { initialRetryTime: 20, maxRetryTime: 1_000, retries: 10 },
    ...(config.tls === undefined || config.tls === false ? {} : { ssl: config.tls }),
    ...(sasl === undefined
      ? {}
      : sasl.mechanism === 'plain'
        ? { sasl: { mechanism: 'plain', username: sasl.username, password: sasl.password } }
        : sasl.mechanism === 'scram-sha-256'
          ? { sasl: { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password } }
          : { sasl: { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password } }),
  });
}

const FENCED = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'];
const UNKNOWN_TOPIC = ['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID'];
const TRANSACTION = [
  'INVALID_TXN_STATE',
  'CONCURRENT_TRANSACTIONS',
  'TRANSACTION_ABORTABLE',
  'INVALID_TRANSACTION_TIMEOUT',
];

/** Kafka error names (`type`) along a kafkajs error's chain (`originalError`, `cause`). */
function errorTypes(error: unknown): string[] {
  const types: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const e = current as { type?: unknown; originalError?: unknown; cause?: unknown; retriableErrors?: unknown };
    if (typeof e.type === 'string') types.push(e.type);
    current = e.originalError ?? e.cause;
  }
  return types;
}

/** Classifies a kafkajs error. */
export function kafkaJsError(code: ErrorCode, action: string, cause: unknown): KafkaClientError {
  if (cause instanceof KafkaClientError) return cause;
  const security = describeSecurityFailure(cause);
  if (security !== undefined) {
    return new KafkaClientError(code, 'AUTHENTICATION_FAILED', `${action} failed: ${security}`, { cause });
  }
  const types = errorTypes(cause);
  if (types.some((t) => FENCED.includes(t))) {
    return new KafkaClientError(
      code,
      'PRODUCER_FENCED',
      `${action} failed: a newer producer with the same transactional id fenced this one. Close it; the newer one owns the id.`,
      { cause },
    );
  }
  if (types.some((t) => UNKNOWN_TOPIC.includes(t))) {
    return new KafkaClientError(
      code,
      'UNKNOWN_TOPIC',
      `${action} failed: unknown topic or partition (${describeCause(cause)}). Create the topic first.`,
      {
        cause,
      },
    );
  }
  if (types.some((t) => TRANSACTION.includes(t))) {
    return new KafkaClientError(
      code,
      'TRANSACTION_FAILED',
      `${action} failed: ${describeCause(cause)}. Abort the transaction and retry.`,
      { cause },
    );
  }
  return new KafkaClientError(code, 'BROKER_ERROR', `${action} failed: ${describeCause(cause)}`, { cause });
}

/** kafkajs message headers: a repeated key becomes an array. */
export function toKafkaJsHeaders(
  headers: readonly { key: string; value: Buffer }[] | undefined,
): KafkaJs.IHeaders | undefined {
  if (headers === undefined || headers.length === 0) return undefined;
  const result: KafkaJs.IHeaders = {};
  for (const { key, value } of headers) {
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing as Buffer, value];
  }
  return result;
}
