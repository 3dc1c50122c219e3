import { SluiceError } from '../errors.ts';
import type { CheckpointStorage } from './storage.ts';

/**
 * How checkpoints are taken: exactly-once aligns barriers at operators with several input
 * channels; at-least-once does not (lower latency, records may be replayed after a failure).
 */
export type CheckpointingMode = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/**
 * Options of {@link StreamExecutionEnvironment.enableCheckpointing}.
 *
 * @example
 * ```ts
 * env.enableCheckpointing(1_000, {
 *   storage: new FsCheckpointStorage({ directory: '/var/lib/sluice/checkpoints' }),
 *   mode: 'EXACTLY_ONCE',
 *   retainedCheckpoints: 3,
 * });
 * ```
 */
export interface CheckpointingOptions {
  /** Where checkpoints and savepoints go (filesystem or S3). */
  readonly storage: CheckpointStorage;
  /** Default EXACTLY_ONCE. */
  readonly mode?: CheckpointingMode;
  /** Job id in the storage layout `<root>/<jobId>/chk-<n>`; default the job name. */
  readonly jobId?: string;
  /** A checkpoint not complete after this long is aborted (counts as a failure). Default 10 minutes. */
  readonly timeoutMs?: number;
  /** Least time between the end of one checkpoint and the start of the next. Default 0. */
  readonly minPauseMs?: number;
  /** Checkpoints in flight at once. Default 1. */
  readonly maxConcurrent?: number;
  /** Consecutive failed checkpoints tolerated before the job fails. Default 0 (as Flink). */
  readonly tolerableFailures?: number;
  /** Completed checkpoints kept in storage. Default 1. */
  readonly retainedCheckpoints?: number;
  /** Keep checkpoints when the job is cancelled. Default false. */
  readonly keepCheckpointsOnCancel?: boolean;
}

/** {@link CheckpointingOptions} with defaults applied and validated. */
export interface CheckpointConfig {
  readonly intervalMs: number;
  readonly storage: CheckpointStorage;
  readonly mode: CheckpointingMode;
  readonly jobId: string | undefined;
  readonly timeoutMs: number;
  readonly minPauseMs: number;
  readonly maxConcurrent: number;
  readonly tolerableFailures: number;
  readonly retainedCheckpoints: number;
  readonly keepCheckpointsOnCancel: boolean;
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `Checkpointing option ${name} must be an integer >= ${min}; got ${value}.`,
    );
  }
  return value;
}

/**
 * Applies defaults to and validates checkpointing options.
 *
 * @example
 * ```ts
 * const config = checkpointConfigOf(1_000, { storage });
 * config.mode; // 'EXACTLY_ONCE'
 * ```
 */
export function checkpointConfigOf(intervalMs: number, options: CheckpointingOptions): CheckpointConfig {
  if (options?.storage === undefined) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      'enableCheckpointing needs a storage, e.g. { storage: new FsCheckpointStorage({ directory }) }.',
    );
  }
  const mode = options.mode ?? 'EXACTLY_ONCE';
  if (mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') {
    throw new SluiceError('INVALID_ARGUMENT', `Checkpointing mode must be EXACTLY_ONCE or AT_LEAST_ONCE; got ${mode}.`);
  }
  return {
    intervalMs: whole('intervalMs', intervalMs, 1),
    storage: options.storage,
    mode,
    jobId: options.jobId,
    timeoutMs: whole('timeoutMs', options.timeoutMs ?? 600_000, 1),
    minPauseMs: whole('minPauseMs', options.minPauseMs ?? 0, 0),
    maxConcurrent: whole('maxConcurrent', options.maxConcurrent ?? 1, 1),
    tolerableFailures: whole('tolerableFailures', options.tolerableFailures ?? 0, 0),
    retainedCheckpoints: whole('retainedCheckpoints', options.retainedCheckpoints ?? 1, 1),
    keepCheckpointsOnCancel: options.keepCheckpointsOnCancel ?? false,
  };
}

/**
 * Where a job restores from when it starts.
 *
 * @example
 * ```ts
 * env.setRestoreFrom('latest');                          // newest intact checkpoint, if any
 * env.setRestoreFrom({ savepointId: 'before-upgrade' });  // a savepoint of this job id
 * ```
 */
export type RestoreFrom =
  | 'latest'
  | { readonly checkpointId: number }
  | { readonly savepointId: string; readonly allowNonRestoredState?: boolean };
