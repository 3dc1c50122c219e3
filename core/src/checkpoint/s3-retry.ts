/**
 * Retry policy of {@link S3CheckpointStorage}: how often and how long to wait.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };
 * ```
 */
export interface RetryPolicy {
  /** Attempts in total, including the first; at least 1. */
  readonly maxAttempts: number;
  /** Delay cap of the first retry; doubles with every further retry. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay. */
  readonly maxDelayMs: number;
}

/**
 * What to do after a failed attempt: retry after a delay, or give up (and why).
 *
 * @example
 * ```ts
 * const d = decideRetry(err, 1, policy, Math.random());
 * if (d.action === 'retry') await sleep(d.delayMs);
 * ```
 */
export type RetryDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'give-up'; readonly reason: 'not-retriable' | 'attempts-exhausted' };

const RETRIABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'NetworkingError',
]);

const RETRIABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether an error from the AWS SDK (or the network below it) may succeed on retry: throttling,
 * 429, 5xx, timeouts and connection failures. 4xx client errors (bad credentials, no such bucket)
 * are not.
 *
 * @example
 * ```ts
 * isRetriableS3Error({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }); // true
 * isRetriableS3Error({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }); // false
 * ```
 */
export function isRetriableS3Error(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    cause?: unknown;
  };
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (typeof e.name === 'string' && RETRIABLE_NAMES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status === 429 || status >= 500;
  if (typeof e.code === 'string' && RETRIABLE_NETWORK_CODES.has(e.code)) return true;
  return e.cause !== undefined && e.cause !== error && isRetriableS3Error(e.cause);
}

/**
 * Decides what follows failed attempt number `attempt` (1-based): exponential backoff with full
 * jitter (`random` in [0, 1) picks the delay below the cap `min(maxDelayMs, baseDelayMs * 2^(attempt-1))`).
 *
 * @example
 * ```ts
 * decideRetry(slowDown, 1, { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, 0.5);
 * // { action: 'retry', delayMs: 50 }
 * ```
 */
export function decideRetry(error: unknown, attempt: number, policy: RetryPolicy, random: number): RetryDecision {
  if (!isRetriableS3Error(error)) return { action: 'give-up', reason: 'not-retriable' };
  if (attempt >= policy.maxAttempts) return { action: 'give-up', reason: 'attempts-exhausted' };
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { action: 'retry', delayMs: Math.floor(cap * random) };
}
