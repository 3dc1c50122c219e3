/**
 * Classified errors of `@sluice/fraud-detection-service` (STYLE.md 9).
 *
 * @example
 * ```ts
 * throw new FraudDetectionServiceError('INVALID_CONFIG', 'PARALLELISM must be an integer >= 1; got "two".');
 * ```
 */
export const FRAUD_DETECTION_SERVICE_ERROR_CODES = ['INVALID_CONFIG', 'KAFKA_TOPICS_MISSING'] as const;

/**
 * One of {@link FRAUD_DETECTION_SERVICE_ERROR_CODES}.
 *
 * @example
 * ```ts
 * const code: FraudDetectionServiceErrorCode = 'KAFKA_TOPICS_MISSING';
 * ```
 */
export type FraudDetectionServiceErrorCode = (typeof FRAUD_DETECTION_SERVICE_ERROR_CODES)[number];

/**
 * The error the fraud-detection service throws: configuration mistakes and missing Kafka topics
 * (`user`, not retriable).
 *
 * @example
 * ```ts
 * if (error instanceof FraudDetectionServiceError && error.code === 'KAFKA_TOPICS_MISSING') createTopics();
 * ```
 */
export class FraudDetectionServiceError extends Error {
  readonly code: FraudDetectionServiceErrorCode;
  readonly domain = 'user' as const;
  readonly retriable = false;

  constructor(code: FraudDetectionServiceErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FraudDetectionServiceError';
    this.code = code;
  }
}
