/**
 * Every code a {@link SluiceTestingError} can carry.
 *
 * @example
 * ```ts
 * if (error instanceof SluiceTestingError && error.code === 'JAVA_NOT_FOUND') installJava();
 * ```
 */
export const SLUICE_TESTING_ERROR_CODES = [
  'JAVA_NOT_FOUND',
  'JAVA_TOO_OLD',
  'MAVEN_NOT_FOUND',
  'MAVEN_RESOLUTION_FAILED',
  'SERVICE_START_FAILED',
  'SERVICE_START_TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'INVALID_CONFIGURATION',
  'JOB_PROCESS_FAILED',
] as const;

/**
 * A code from {@link SLUICE_TESTING_ERROR_CODES}.
 *
 * @example
 * ```ts
 * const code: SluiceTestingErrorCode = 'SERVICE_START_TIMEOUT';
 * ```
 */
export type SluiceTestingErrorCode = (typeof SLUICE_TESTING_ERROR_CODES)[number];

/**
 * Whose move it is: `user` (fix the setup or the call), `external` (a service or tool outside
 * this process misbehaved), `internal` (a bug in @sluice/testing).
 *
 * @example
 * ```ts
 * const domain: SluiceTestingErrorDomain = 'external';
 * ```
 */
export type SluiceTestingErrorDomain = 'user' | 'external' | 'internal';

/**
 * Options of {@link SluiceTestingError}.
 *
 * @example
 * ```ts
 * const options: SluiceTestingErrorOptions = { domain: 'external', retriable: true };
 * ```
 */
export interface SluiceTestingErrorOptions {
  domain: SluiceTestingErrorDomain;
  retriable: boolean;
  cause?: unknown;
}

/**
 * The one error type @sluice/testing throws. The message says what to do next.
 *
 * @example
 * ```ts
 * throw new SluiceTestingError('MAVEN_NOT_FOUND', 'Install Maven 3.8+ (apt-get install maven).', {
 *   domain: 'user',
 *   retriable: false,
 * });
 * ```
 */
export class SluiceTestingError extends Error {
  readonly code: SluiceTestingErrorCode;
  readonly domain: SluiceTestingErrorDomain;
  readonly retriable: boolean;

  constructor(code: SluiceTestingErrorCode, message: string, options: SluiceTestingErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceTestingError';
    this.code = code;
    this.domain = options.domain;
    this.retriable = options.retriable;
  }
}

/**
 * A readable one-line description of anything thrown.
 *
 * @example
 * ```ts
 * console.warn(describeError(new Error('boom'))); // "boom"
 * ```
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
