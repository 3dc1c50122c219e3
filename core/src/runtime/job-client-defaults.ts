import type { CheckpointMetrics } from '../api/job-client.ts';
import { SluiceError } from '../errors.ts';

/** Checkpoint metrics of a job without checkpointing. */
export const CHECKPOINTING_OFF: CheckpointMetrics = {
  enabled: false,
  completed: 0,
  failed: 0,
  inProgress: 0,
  lastCheckpointId: undefined,
  lastDurationMs: undefined,
  lastSizeBytes: undefined,
  lastCompletedAt: undefined,
  restoredFrom: undefined,
};

/** The error of a savepoint request on a job without checkpoint storage. */
export function checkpointingDisabled(what: string): SluiceError {
  return new SluiceError(
    'CHECKPOINTING_DISABLED',
    `Cannot ${what}: the job has no checkpoint storage. Call env.enableCheckpointing(intervalMs, { storage }) first.`,
  );
}
