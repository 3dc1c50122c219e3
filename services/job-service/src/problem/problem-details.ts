import { HttpException } from '@nestjs/common';
import { type ErrorCode, SluiceError } from '@sluice/core';
import { type JobServiceErrorCode, JobServiceError } from '../errors.ts';

/**
 * An RFC 9457 problem detail, the body of every error response (`application/problem+json`).
 * `code` is an extension member carrying the Sluice error code, when there is one.
 *
 * @example
 * ```ts
 * const problem: ProblemDetails = {
 *   type: 'urn:sluice:problem:checkpointing-disabled', title: 'Checkpointing is disabled', status: 409,
 *   detail: 'Cannot take a savepoint: the job has no checkpoint storage.', code: 'CHECKPOINTING_DISABLED',
 * };
 * ```
 */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly code?: string;
  /** Further extension members (e.g. the failed health checks). */
  readonly [extension: string]: unknown;
}

/**
 * The media type of {@link ProblemDetails}.
 *
 * @example
 * ```ts
 * response.type(PROBLEM_JSON).send(JSON.stringify(problem));
 * ```
 */
export const PROBLEM_JSON = 'application/problem+json';

const HTTP_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const SERVICE_PROBLEMS: Readonly<Record<JobServiceErrorCode, { status: number; title: string }>> = {
  INVALID_CONFIG: { status: 500, title: 'Invalid service configuration' },
  INVALID_REQUEST: { status: 400, title: 'Invalid request' },
  UNAUTHORIZED: { status: 401, title: 'Missing or wrong bearer token' },
  JOB_NOT_STARTED: { status: 503, title: 'The job has not started yet' },
  JOB_NOT_RUNNING: { status: 409, title: 'The job is not running' },
  JOB_START_FAILED: { status: 500, title: 'The job could not start' },
  NOT_SUPPORTED: { status: 409, title: 'Not supported in this configuration' },
};

const ENGINE_PROBLEMS: Partial<Readonly<Record<ErrorCode, { status: number; title: string }>>> = {
  CHECKPOINTING_DISABLED: { status: 409, title: 'Checkpointing is disabled' },
  ILLEGAL_STATE: { status: 409, title: 'The job is not in a state for this' },
  JOB_CANCELLED: { status: 409, title: 'The job was cancelled' },
  INVALID_ARGUMENT: { status: 400, title: 'Invalid argument' },
  CHECKPOINT_NOT_FOUND: { status: 404, title: 'Checkpoint not found' },
  CHECKPOINT_FAILED: { status: 503, title: 'The checkpoint failed' },
  CHECKPOINT_STORAGE_FAILED: { status: 503, title: 'Checkpoint storage failed' },
};

/** `CHECKPOINTING_DISABLED` → `urn:sluice:problem:checkpointing-disabled`. */
export function problemType(code: string): string {
  return `urn:sluice:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** The problem of an `HttpException`'s response body: its message(s), and extra members it carries. */
function httpProblem(error: HttpException): ProblemDetails {
  const status = error.getStatus();
  const body = error.getResponse();
  const title = HTTP_TITLES[status] ?? 'Error';
  if (typeof body === 'string') return { type: 'about:blank', title, status, detail: body };
  const record = body as Record<string, unknown>;
  if ('details' in record && 'error' in record && typeof record['error'] === 'object') {
    // A failed Terminus health check: keep its result as the `checks` member.
    const down = Object.entries((record['error'] ?? {}) as Record<string, { reason?: unknown; message?: unknown }>).map(
      ([key, value]) => `${key}: ${String(value?.reason ?? value?.message ?? 'down')}`,
    );
    return { type: 'about:blank', title, status, detail: `Health check failed (${down.join('; ')})`, checks: record };
  }
  const { message, error: _error, statusCode: _statusCode, status: _status, ...extensions } = record;
  const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : error.message;
  return { ...extensions, type: 'about:blank', title, status, detail };
}

/**
 * Maps any error to a problem: the job service's and the engine's classified errors by code
 * (`CHECKPOINTING_DISABLED` → 409, `INVALID_REQUEST` → 400, `UNAUTHORIZED` → 401, ...), Nest's
 * `HttpException`s by status, and anything else to a 500 that does not leak internals.
 *
 * @example
 * ```ts
 * problemOf(new SluiceError('CHECKPOINTING_DISABLED', 'no storage')).status; // 409
 * ```
 */
export function problemOf(error: unknown, instance?: string): ProblemDetails {
  const at = instance === undefined ? {} : { instance };
  if (error instanceof JobServiceError) {
    const { status, title } = SERVICE_PROBLEMS[error.code];
    return { type: problemType(error.code), title, status, detail: error.message, code: error.code, ...at };
  }
  if (error instanceof SluiceError) {
    const known = ENGINE_PROBLEMS[error.code];
    const status = known?.status ?? (error.domain === 'external' ? 503 : 500);
    const title = known?.title ?? (error.domain === 'external' ? 'A dependency failed' : 'The engine failed');
    return { type: problemType(error.code), title, status, detail: error.message, code: error.code, ...at };
  }
  if (error instanceof HttpException) return { ...httpProblem(error), ...at };
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    // e.g. body-parser's "entity.parse.failed" (malformed JSON) or "entity.too.large".
    const detail = error instanceof Error ? error.message : 'The request could not be read.';
    return { type: 'about:blank', title: HTTP_TITLES[status] ?? 'Bad Request', status, detail, ...at };
  }
  return {
    type: 'about:blank',
    title: HTTP_TITLES[500] as string,
    status: 500,
    detail: 'An unexpected error occurred; the service log has the details.',
    ...at,
  };
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown };
  const status = e.status ?? e.statusCode;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}
