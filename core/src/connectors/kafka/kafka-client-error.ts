import { type ErrorCode, SluiceError } from '../../errors.ts';

/**
 * What went wrong in the Kafka client layer, independent of the library:
 * - `PRODUCER_FENCED`: a newer producer with the same transactional id exists; close this one;
 * - `TRANSACTION_FAILED`: the open transaction cannot commit; abort it (or re-init) and retry;
 * - `UNKNOWN_TOPIC`: the topic or partition does not exist;
 * - `INVALID_STATE`: the call does not fit the object's state (e.g. send before `initTransactions`);
 * - `OFFSET_OUT_OF_RANGE`: a consumer's position is outside the partition's offsets (records
 *   deleted by retention, or the topic recreated) and its `offsetReset` is `'fail'`; not retriable;
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
  | 'OFFSET_OUT_OF_RANGE'
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
      // Fencing is final for this producer; misuse is a bug; an offset out of range stays out of
      // range (the consumer was told to fail); the rest may pass on a retry.
      retriable: kind === 'TRANSACTION_FAILED' || kind === 'BROKER_ERROR',
      domain: kind === 'INVALID_STATE' ? 'internal' : 'external',
    });
    this.name = 'KafkaClientError';
    this.kind = kind;
  }
}

/**
 * The error of a consumer whose `offsetReset` is `'fail'` when the broker says its position is out
 * of range; `earliest` and `latest` are the partition's valid offsets (the end exclusive).
 *
 * @example
 * ```ts
 * throw offsetOutOfRangeError({ topic: 'payments', partition: 0 }, 10, 60, 100);
 * ```
 */
export function offsetOutOfRangeError(
  tp: { readonly topic: string; readonly partition: number },
  position: number,
  earliest: number | undefined,
  latest: number | undefined,
): KafkaClientError {
  const range =
    earliest === undefined || latest === undefined
      ? 'its valid offsets could not be read'
      : `it holds offsets ${earliest} to ${latest} (end exclusive)`;
  const why =
    earliest !== undefined && position < earliest
      ? `the records before offset ${earliest} were deleted (retention or deleteRecords)`
      : latest !== undefined && position > latest
        ? 'the position is past the end (was the topic deleted and recreated?)'
        : 'the broker no longer has that offset';
  return new KafkaClientError(
    'SOURCE_FAILED',
    'OFFSET_OUT_OF_RANGE',
    `Offset ${position} of ${tp.topic}:${tp.partition} is out of range: ${range}; ${why}. ` +
      "offsetReset is 'fail', so nothing was skipped. To go on, set offsetReset to 'earliest' (resume at the log start) " +
      "or 'latest' (resume at the end), or start the job from other offsets.",
  );
}

/** The message of an unknown thrown value, for wrapping. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
