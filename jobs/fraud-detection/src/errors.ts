/**
 * Classified errors of `@sluice/fraud-detection-job` (STYLE.md 9): a stable `code`, whose fault it
 * is (`domain`), whether a retry may help, and a message that says what to do next.
 *
 * @example
 * ```ts
 * try {
 *   fraudRules({ velocity: { maxTransactions: 0 } });
 * } catch (e) {
 *   if (e instanceof FraudDetectionError && e.code === 'INVALID_CONFIG') console.error(e.message);
 * }
 * ```
 */
export const FRAUD_DETECTION_ERROR_CODES = [
  'INVALID_CONFIG',
  'INVALID_RULE_UPDATE',
  'INVALID_GENERATOR_OPTIONS',
  /** A Kafka record that is not a transaction or rule update (it goes to the dead-letter topic). */
  'INVALID_RECORD',
] as const;

/** One of {@link FRAUD_DETECTION_ERROR_CODES}. */
export type FraudDetectionErrorCode = (typeof FRAUD_DETECTION_ERROR_CODES)[number];

/** Whose fault: the job's user, something outside, or this package itself. */
export type FraudDetectionErrorDomain = 'user' | 'external' | 'internal';

/**
 * Base error of the fraud-detection job. Configuration mistakes are `user` errors and not retriable.
 *
 * @example
 * ```ts
 * throw new FraudDetectionError('INVALID_CONFIG', 'velocity.maxTransactions must be an integer >= 1; got 0');
 * ```
 */
export class FraudDetectionError extends Error {
  readonly code: FraudDetectionErrorCode;
  readonly domain: FraudDetectionErrorDomain;
  readonly retriable: boolean;

  constructor(
    code: FraudDetectionErrorCode,
    message: string,
    options: { domain?: FraudDetectionErrorDomain; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FraudDetectionError';
    this.code = code;
    this.domain = options.domain ?? 'user';
    this.retriable = options.retriable ?? false;
  }
}
