/**
 * Classified errors of `@sluice/job-service` (STYLE.md 9): a stable `code`, whose fault it is
 * (`domain`), whether a retry may help, and a message that says what to do next. The problem+json
 * filter maps each code to an HTTP status.
 *
 * @example
 * ```ts
 * throw new JobServiceError('INVALID_REQUEST', 'drain must be a boolean; got "yes".');
 * ```
 */
export const JOB_SERVICE_ERROR_CODES = [
  'INVALID_CONFIG',
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'JOB_NOT_STARTED',
  'JOB_NOT_RUNNING',
  'JOB_START_FAILED',
  'NOT_SUPPORTED',
] as const;

/**
 * One of {@link JOB_SERVICE_ERROR_CODES}.
 *
 * @example
 * ```ts
 * const code: JobServiceErrorCode = 'INVALID_CONFIG';
 * ```
 */
export type JobServiceErrorCode = (typeof JOB_SERVICE_ERROR_CODES)[number];

/**
 * Whose fault: the caller or operator (`user`), something outside (`external`), or the service.
 *
 * @example
 * ```ts
 * const domain: JobServiceErrorDomain = 'user';
 * ```
 */
export type JobServiceErrorDomain = 'user' | 'external' | 'internal';

/**
 * Options of {@link JobServiceError}.
 *
 * @example
 * ```ts
 * const options: JobServiceErrorOptions = { domain: 'external', retriable: true };
 * ```
 */
export interface JobServiceErrorOptions {
  readonly domain?: JobServiceErrorDomain;
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

const DEFAULT_DOMAIN: Record<JobServiceErrorCode, JobServiceErrorDomain> = {
  INVALID_CONFIG: 'user',
  INVALID_REQUEST: 'user',
  UNAUTHORIZED: 'user',
  JOB_NOT_STARTED: 'internal',
  JOB_NOT_RUNNING: 'user',
  JOB_START_FAILED: 'user',
  NOT_SUPPORTED: 'user',
};

/**
 * The one error type `@sluice/job-service` throws.
 *
 * @example
 * ```ts
 * if (error instanceof JobServiceError && error.code === 'INVALID_CONFIG') process.exit(2);
 * ```
 */
export class JobServiceError extends Error {
  readonly code: JobServiceErrorCode;
  readonly domain: JobServiceErrorDomain;
  readonly retriable: boolean;

  constructor(code: JobServiceErrorCode, message: string, options: JobServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JobServiceError';
    this.code = code;
    this.domain = options.domain ?? DEFAULT_DOMAIN[code];
    this.retriable = options.retriable ?? this.domain === 'external';
  }
}
