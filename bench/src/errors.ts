/** Error codes of `@sluice/bench`. */
export const BENCH_ERROR_CODES = ['RUN_FAILED', 'BAD_OUTPUT', 'INVALID_ARGUMENT'] as const;
/** One of {@link BENCH_ERROR_CODES}. */
export type BenchErrorCode = (typeof BENCH_ERROR_CODES)[number];

/**
 * A classified benchmark failure: `code` says what failed, `domain` whose fault it is
 * (`user` for bad arguments, `internal` for a run that crashed or printed no result).
 *
 * @example
 * ```ts
 * throw new BenchError('RUN_FAILED', 'q5 exited with code 1: see its stderr above', { domain: 'internal' });
 * ```
 */
export class BenchError extends Error {
  readonly code: BenchErrorCode;
  readonly domain: 'user' | 'internal';
  readonly retriable: boolean;

  constructor(
    code: BenchErrorCode,
    message: string,
    options: { domain?: 'user' | 'internal'; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'BenchError';
    this.code = code;
    this.domain = options.domain ?? 'internal';
    this.retriable = options.retriable ?? false;
  }
}
