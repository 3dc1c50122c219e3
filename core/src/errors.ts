/**
 * Classified errors of `@sluice/core` (STYLE.md 9). Every error the engine throws is a
 * {@link SluiceError} with a stable `code`, a `domain` saying whose fault it is, whether a retry
 * may help, and a message that says what to do next.
 *
 * @example
 * ```ts
 * try {
 *   await env.execute('job');
 * } catch (e) {
 *   if (e instanceof SluiceError && e.code === 'MISSING_UID') console.error(e.message);
 * }
 * ```
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_PIPELINE',
  'MISSING_UID',
  'DUPLICATE_UID',
  'UNHASHABLE_KEY',
  'STATE_OUTSIDE_KEYED_CONTEXT',
  'TIMER_OUTSIDE_KEYED_CONTEXT',
  'NO_TIMESTAMP',
  'USER_FUNCTION_FAILED',
  'SOURCE_FAILED',
  'SINK_FAILED',
  'JOB_CANCELLED',
  'ASYNC_TIMEOUT',
  'ILLEGAL_STATE',
  'SNAPSHOT_INCOMPATIBLE',
  'CORRUPT_CHECKPOINT',
  'CHECKPOINT_NOT_FOUND',
  'CHECKPOINT_STORAGE_FAILED',
  'CHECKPOINTING_DISABLED',
  'CHECKPOINT_FAILED',
  'DESERIALIZATION_FAILED',
  'SERIALIZATION_FAILED',
  'SCHEMA_REGISTRY_FAILED',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Whose fault: the job's author, something outside (broker, disk), or Sluice itself. */
export type ErrorDomain = 'user' | 'external' | 'internal';

/** Options of {@link SluiceError}. */
export interface SluiceErrorOptions {
  readonly domain?: ErrorDomain;
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

const DEFAULT_DOMAIN: Record<ErrorCode, ErrorDomain> = {
  INVALID_ARGUMENT: 'user',
  INVALID_PIPELINE: 'user',
  MISSING_UID: 'user',
  DUPLICATE_UID: 'user',
  UNHASHABLE_KEY: 'user',
  STATE_OUTSIDE_KEYED_CONTEXT: 'user',
  TIMER_OUTSIDE_KEYED_CONTEXT: 'user',
  NO_TIMESTAMP: 'user',
  USER_FUNCTION_FAILED: 'user',
  SOURCE_FAILED: 'external',
  SINK_FAILED: 'external',
  JOB_CANCELLED: 'user',
  ASYNC_TIMEOUT: 'external',
  ILLEGAL_STATE: 'internal',
  SNAPSHOT_INCOMPATIBLE: 'user',
  CORRUPT_CHECKPOINT: 'external',
  CHECKPOINT_NOT_FOUND: 'user',
  CHECKPOINT_STORAGE_FAILED: 'external',
  CHECKPOINTING_DISABLED: 'user',
  CHECKPOINT_FAILED: 'external',
  DESERIALIZATION_FAILED: 'external',
  SERIALIZATION_FAILED: 'user',
  SCHEMA_REGISTRY_FAILED: 'external',
};

/**
 * Base error of the engine.
 *
 * @example
 * ```ts
 * throw new SluiceError('INVALID_ARGUMENT', 'parallelism must be >= 1; got 0');
 * ```
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly domain: ErrorDomain;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.domain = options.domain ?? DEFAULT_DOMAIN[code];
    this.retriable = options.retriable ?? this.domain === 'external';
  }
}

/** Wraps an exception thrown by user code, naming the operator it came from. */
export function userFunctionFailed(operatorName: string, cause: unknown): SluiceError {
  if (cause instanceof SluiceError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SluiceError(
    'USER_FUNCTION_FAILED',
    `Operator '${operatorName}' threw: ${reason}. Fix the function, or route bad records to a side output.`,
    { cause },
  );
}
