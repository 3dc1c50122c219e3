import { type ErrorCode, SluiceError } from '../../errors.ts';

/**
 * What went wrong in the Kafka client layer, independent of the library:
 * - `PRODUCER_FENCED`: a newer producer with the same transactional id exists; close this one;
 * - `TRANSACTION_FAILED`: the open transaction cannot commit; abort it (or re-init) and retry;
 * - `UNKNOWN_TOPIC`: the topic or partition does not exist;
 * - `INVALID_STATE`: the call does not fit the object's state (e.g. send before `initTransactions`);
 * - `BROKER_ERROR`: anything else the client or broker reported.
 *
 * @example
 * ```ts
 * if (error instanceof KafkaClientError && error.kind === 'PRODUCER_FENCED') await producer.close();
 * ```
 */
export type KafkaClientErrorKind =
  | 'PRODUCER_FENCED'
  | 'TRANSACTION_FAILED'
  | 'UNKNOWN_TOPIC'
  | 'INVALID_STATE'
  | 'BROKER_ERROR';

/**
 * Error of the Kafka client layer: a {@link SluiceError} (`SOURCE_FAILED` for consumers,
 * `SINK_FAILED` for producers, `ILLEGAL_STATE` for misuse) with the library-independent `kind`.
 * The library's own error is the `cause`.
 *
 * @example
 * ```ts
 * throw new KafkaClientError('SINK_FAILED', 'PRODUCER_FENCED', 'Producer sink-0 was fenced by a newer instance; close it.');
 * ```
 */
export class KafkaClientError extends SluiceError {
  readonly kind: KafkaClientErrorKind;

  constructor(code: ErrorCode, kind: KafkaClientErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(code, message, {
      cause: options.cause,
      // Fencing is final for this producer; misuse is a bug; the rest may pass on a retry.
      retriable: kind === 'TRANSACTION_FAILED' || kind === 'BROKER_ERROR',
      domain: kind === 'INVALID_STATE' ? 'internal' : 'external',
    });
    this.name = 'KafkaClientError';
    this.kind = kind;
  }
}

/** The message of an unknown thrown value, for wrapping. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
