import type * as Platformatic from '@platformatic/kafka';
import type { KafkaClientConfig } from '../kafka-client-config.ts';
import { describeCause, describeRootCauses, describeSecurityFailure, KafkaClientError } from '../kafka-client-error.ts';
import type { ErrorCode } from '../../../errors.ts';

/** The @platformatic/kafka module, loaded on first use. */
export type PlatformaticModule = typeof Platformatic;

/** Retries of a failed request, 20 ms apart doubling up to 1 s (about 6 s in all). */
export const RETRIES = 10;

/** Delay before retry number `attempt` (1-based). */
export function retryDelayMs(attempt: number): number {
  return Math.min(1_000, 20 * 2 ** Math.max(0, attempt - 1));
}

/** Options every @platformatic/kafka client gets from a {@link KafkaClientConfig}. */
export function platformaticBaseOptions(config: KafkaClientConfig): Platformatic.BaseOptions {
  const sasl = config.sasl;
  return {
    clientId: config.clientId ?? 'sluice',
    bootstrapBrokers: [...config.bootstrapServers],
    connectTimeout: config.connectTimeoutMs ?? 10_000,
    timeout: config.requestTimeoutMs ?? 30_000,
    // The library's default is a flat 1 s between retries; a transaction that begins right after
    // a commit meets CONCURRENT_TRANSACTIONS for a few ms, so back off from 20 ms instead.
    retries: RETRIES,
    retryDelay: (_client, _operation, attempt) => retryDelayMs(attempt),
    ...(config.tls === undefined || config.tls === false ? {} : { tls: config.tls === true ? {} : config.tls }),
    ...(sasl === undefined
      ? {}
      : {
          sasl: {
            mechanism:
              sasl.mechanism === 'plain'
                ? 'PLAIN'
                : sasl.mechanism === 'scram-sha-256'
                  ? 'SCRAM-SHA-256'
                  : 'SCRAM-SHA-512',
            username: sasl.username,
            password: sasl.password,
          },
        }),
  };
}

const FENCED = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'];
const UNKNOWN_TOPIC = ['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID'];

/** Classifies an error of @platformatic/kafka (its protocol errors carry the Kafka `apiId`). */
export function platformaticError(
  lib: PlatformaticModule,
  code: ErrorCode,
  action: string,
  cause: unknown,
): KafkaClientError {
  if (cause instanceof KafkaClientError) return cause;
  const security = describeSecurityFailure(cause);
  if (security !== undefined) {
    return new KafkaClientError(code, 'AUTHENTICATION_FAILED', `${action} failed: ${security}`, { cause });
  }
  const error = cause instanceof Error ? cause : undefined;
  const has = (ids: string[]) => ids.some((id) => lib.findErrorBy(error, 'apiId', id) !== null);
  if (has(FENCED) || lib.findErrorBy(error, 'producerFenced', true) !== null) {
    return new KafkaClientError(
      code,
      'PRODUCER_FENCED',
      `${action} failed: a newer producer with the same transactional id fenced this one. Close it; the newer one owns the id.`,
      { cause },
    );
  }
  if (has(UNKNOWN_TOPIC)) {
    return new KafkaClientError(
      code,
      'UNKNOWN_TOPIC',
      `${action} failed: unknown topic or partition (${describeCause(cause)}). Create the topic first.`,
      {
        cause,
      },
    );
  }
  if (has(['INVALID_TXN_STATE', 'TRANSACTION_ABORTABLE', 'CONCURRENT_TRANSACTIONS', 'INVALID_TRANSACTION_TIMEOUT'])) {
    return new KafkaClientError(
      code,
      'TRANSACTION_FAILED',
      `${action} failed: ${describeCause(cause)}. Abort the transaction and retry.`,
      { cause },
    );
  }
  // The library's top error ("Creating topics failed.") hides the reason several layers down.
  const roots = describeRootCauses(cause);
  return new KafkaClientError(
    code,
    'BROKER_ERROR',
    `${action} failed: ${describeCause(cause)}${roots === '' ? '' : ` (caused by: ${roots})`}`,
    { cause },
  );
}
