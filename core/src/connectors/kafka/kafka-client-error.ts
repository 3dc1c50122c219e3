import { type ErrorCode, SluiceError } from '../../errors.ts';

/**
 * What went wrong in the Kafka client layer, independent of the library:
 * - `PRODUCER_FENCED`: a newer producer with the same transactional id exists; close this one;
 * - `TRANSACTION_FAILED`: the open transaction cannot commit; abort it (or re-init) and retry;
 * - `UNKNOWN_TOPIC`: the topic or partition does not exist;
 * - `AUTHENTICATION_FAILED`: the broker rejected the SASL login, or the client did not trust the
 *   broker's TLS certificate; fix `sasl` or `tls` (retrying does not help);
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
  | 'AUTHENTICATION_FAILED'
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
      // Fencing is final for this producer; misuse is a bug; bad credentials stay bad; an offset
      // out of range stays out of range (the consumer was told to fail); the rest may pass on a retry.
      retriable: kind === 'TRANSACTION_FAILED' || kind === 'BROKER_ERROR',
      domain: kind === 'INVALID_STATE' ? 'internal' : kind === 'AUTHENTICATION_FAILED' ? 'user' : 'external',
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

/** Node's codes for a peer certificate that failed verification (`tls.connect`). */
const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The errors of a library's error tree, depth first, each once: `cause`, `originalError`
 * (kafkajs), `errors` (AggregateError, e.g. @platformatic/kafka's `MultipleErrors`).
 *
 * @example
 * ```ts
 * const codes = errorTree(error).map((e) => (e as { code?: string }).code);
 * ```
 */
export function errorTree(error: unknown, maxNodes = 200): unknown[] {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  const nodes: unknown[] = [];
  while (stack.length > 0 && nodes.length < maxNodes) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    nodes.push(node);
    const e = node as { cause?: unknown; originalError?: unknown; errors?: unknown };
    const children = [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return nodes;
}

/**
 * What a failed SASL login or TLS verification looks like in an error of either library (whose
 * retries wrap it in several layers), as the message of an `AUTHENTICATION_FAILED`
 * {@link KafkaClientError}; `undefined` when the error is neither.
 *
 * @example
 * ```ts
 * const security = describeSecurityFailure(cause);
 * if (security !== undefined) throw new KafkaClientError('SOURCE_FAILED', 'AUTHENTICATION_FAILED', `Fetching failed: ${security}`, { cause });
 * ```
 */
export function describeSecurityFailure(error: unknown): string | undefined {
  const nodes = errorTree(error);
  const field = (node: unknown, name: string): unknown => (node as Record<string, unknown>)[name];
  const sasl = nodes.find(
    (n) => field(n, 'code') === 'PLT_KFK_AUTHENTICATION' || field(n, 'name') === 'KafkaJSSASLAuthenticationError',
  );
  if (sasl !== undefined) {
    // @platformatic/kafka keeps the broker's reason as a protocol error's `serverErrorMessage` below it.
    const reason = errorTree(sasl)
      .map((n) => field(n, 'serverErrorMessage'))
      .find((m): m is string => typeof m === 'string' && m !== '');
    return (
      `the broker rejected the SASL login: ${reason ?? describeCause(sasl)}. ` +
      'Check sasl.mechanism, sasl.username and sasl.password (and that the listener enables the mechanism).'
    );
  }
  const tls = nodes.find((n) => {
    const code = field(n, 'code');
    return typeof code === 'string' && TLS_VERIFY_CODES.has(code);
  });
  if (tls !== undefined) {
    return (
      `the broker's TLS certificate was not accepted: ${describeCause(tls)} (${String(field(tls, 'code'))}). ` +
      'Pass the CA that signed it as tls.ca, and connect by a host name the certificate names.'
    );
  }
  return undefined;
}

/**
 * The innermost messages of an error tree that say more than its top message (for libraries
 * whose top error reads "Creating topics failed."), joined; `''` when there are none.
 *
 * @example
 * ```ts
 * describeRootCauses(error); // "Broker requires TLS."
 * ```
 */
export function describeRootCauses(error: unknown, limit = 3): string {
  const top = describeCause(error);
  const leaves: string[] = [];
  for (const node of errorTree(error)) {
    const e = node as { cause?: unknown; originalError?: unknown; errors?: unknown; message?: unknown };
    const hasChildren =
      e.cause !== undefined || e.originalError !== undefined || (Array.isArray(e.errors) && e.errors.length > 0);
    if (hasChildren || typeof e.message !== 'string' || e.message === '' || e.message === top) continue;
    if (!leaves.includes(e.message)) leaves.push(e.message);
  }
  return leaves.slice(0, limit).join('; ');
}
