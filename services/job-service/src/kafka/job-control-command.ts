import { JobServiceError } from '../errors.ts';
import { stopRequestOf } from '../control/control-requests.ts';

/**
 * A command on the control topic (`job.control`). `job` targets one job when several share the
 * topic; without it every job obeys.
 *
 * @example
 * ```json
 * {"command": "stop", "drain": true, "job": "fraud-detection"}
 * ```
 */
export type JobControlCommand =
  | { readonly command: 'savepoint'; readonly job: string | undefined }
  | { readonly command: 'stop'; readonly drain: boolean; readonly job: string | undefined };

/**
 * Validates a control message (already JSON-parsed). Throws `INVALID_REQUEST` naming the problem.
 *
 * @example
 * ```ts
 * jobControlCommandOf({ command: 'savepoint' }); // { command: 'savepoint', job: undefined }
 * jobControlCommandOf({ command: 'restart' }); // throws INVALID_REQUEST
 * ```
 */
export function jobControlCommandOf(payload: unknown): JobControlCommand {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new JobServiceError(
      'INVALID_REQUEST',
      `A control message must be a JSON object such as {"command":"savepoint"}; got ${JSON.stringify(payload)}.`,
    );
  }
  const { command, job, ...rest } = payload as Record<string, unknown>;
  if (job !== undefined && (typeof job !== 'string' || job.length === 0)) {
    throw new JobServiceError('INVALID_REQUEST', `job must be a non-empty string; got ${JSON.stringify(job)}.`);
  }
  if (command === 'savepoint') {
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      throw new JobServiceError('INVALID_REQUEST', `Unknown field(s) ${unknown.join(', ')} in a savepoint command.`);
    }
    return { command, job };
  }
  if (command === 'stop') return { command, drain: stopRequestOf(rest).drain, job };
  throw new JobServiceError(
    'INVALID_REQUEST',
    `command must be "savepoint" or "stop"; got ${JSON.stringify(command)}.`,
  );
}
