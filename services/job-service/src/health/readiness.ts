import type { CheckpointMetrics, JobStatus } from '@sluice/core';

/**
 * What readiness is judged on.
 *
 * @example
 * ```ts
 * const facts: ReadinessFacts = { status: 'RUNNING', checkpoints, startedAt: t0, now: Date.now(), maxCheckpointAgeMs: 300_000 };
 * ```
 */
export interface ReadinessFacts {
  /** `undefined` before the job started. */
  readonly status: JobStatus | undefined;
  readonly checkpoints: CheckpointMetrics | undefined;
  /** Epoch ms when the job started. */
  readonly startedAt: number | undefined;
  readonly now: number;
  readonly maxCheckpointAgeMs: number;
}

/**
 * The verdict of {@link judgeReadiness}: `ready`, and for people why not.
 *
 * @example
 * ```ts
 * const verdict: ReadinessVerdict = { ready: false, reason: 'the job is FAILED, not RUNNING' };
 * ```
 */
export interface ReadinessVerdict {
  readonly ready: boolean;
  readonly reason?: string;
  /** Age (ms) of the last checkpoint, or of the job when none completed yet; only with checkpointing. */
  readonly checkpointAgeMs?: number;
}

/**
 * Ready only while the job is RUNNING and, when checkpointing is enabled, its last completed
 * checkpoint is at most `maxCheckpointAgeMs` old (before the first one, the job's age counts, so
 * a job gets that long to complete its first checkpoint).
 *
 * @example
 * ```ts
 * judgeReadiness({ status: 'RUNNING', checkpoints: undefined, startedAt: 0, now: 1, maxCheckpointAgeMs: 10 }); // { ready: true }
 * ```
 */
export function judgeReadiness(facts: ReadinessFacts): ReadinessVerdict {
  if (facts.status === undefined) return { ready: false, reason: 'the job has not started yet' };
  if (facts.status !== 'RUNNING') return { ready: false, reason: `the job is ${facts.status}, not RUNNING` };
  const c = facts.checkpoints;
  if (c === undefined || !c.enabled) return { ready: true };
  const since = c.lastCompletedAt ?? facts.startedAt;
  if (since === undefined) return { ready: true };
  const checkpointAgeMs = Math.max(0, facts.now - since);
  if (checkpointAgeMs > facts.maxCheckpointAgeMs) {
    const what =
      c.lastCompletedAt === undefined
        ? 'no checkpoint completed since the job started'
        : 'the last checkpoint completed';
    return {
      ready: false,
      reason: `${what} ${Math.round(checkpointAgeMs / 1000)} s ago, more than the ${Math.round(facts.maxCheckpointAgeMs / 1000)} s allowed`,
      checkpointAgeMs,
    };
  }
  return { ready: true, checkpointAgeMs };
}
