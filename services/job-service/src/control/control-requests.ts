import type { StopWithSavepointOptions } from '@sluice/core';
import { JobServiceError } from '../errors.ts';

function plainObject(body: unknown, what: string, example: string): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new JobServiceError('INVALID_REQUEST', `The ${what} body must be a JSON object such as ${example}.`);
  }
  return body as Record<string, unknown>;
}

function noOtherFields(body: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const accepted = allowed.length === 0 ? 'no fields' : `only ${allowed.join(', ')}`;
    throw new JobServiceError(
      'INVALID_REQUEST',
      `Unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} in the ${what} body; it accepts ${accepted}.`,
    );
  }
}

/**
 * Validates the body of `POST /api/job/stop` (and of a Kafka `stop` command): an optional
 * boolean `drain`, nothing else. Throws `INVALID_REQUEST` otherwise.
 *
 * @example
 * ```ts
 * stopRequestOf({ drain: true }); // { drain: true }
 * stopRequestOf(undefined); // { drain: false }
 * stopRequestOf({ drain: 'yes' }); // throws INVALID_REQUEST
 * ```
 */
export function stopRequestOf(body: unknown, extraFields: readonly string[] = []): Required<StopWithSavepointOptions> {
  const object = plainObject(body, 'stop', '{"drain": true}');
  noOtherFields(object, ['drain', ...extraFields], 'stop');
  const drain = object['drain'] ?? false;
  if (typeof drain !== 'boolean') {
    throw new JobServiceError('INVALID_REQUEST', `drain must be true or false; got ${JSON.stringify(drain)}.`);
  }
  return { drain };
}

/**
 * Validates the body of `POST /api/job/savepoints`: empty or `{}`. Throws `INVALID_REQUEST` otherwise.
 *
 * @example
 * ```ts
 * savepointRequestOf({}); // ok
 * savepointRequestOf({ name: 'x' }); // throws INVALID_REQUEST
 * ```
 */
export function savepointRequestOf(body: unknown, extraFields: readonly string[] = []): void {
  noOtherFields(plainObject(body, 'savepoint', '{}'), extraFields, 'savepoint');
}
