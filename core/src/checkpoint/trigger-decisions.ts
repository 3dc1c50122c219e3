/**
 * Pure decisions of the checkpoint coordinator (STYLE.md 7): when to trigger the next checkpoint
 * and what a failed checkpoint means for the job. Table-tested; the coordinator only does I/O.
 */

/** What the coordinator knows when it considers triggering. */
export interface TriggerInputs {
  readonly now: number;
  readonly intervalMs: number;
  readonly minPauseMs: number;
  readonly maxConcurrent: number;
  readonly inProgress: number;
  /** When the last checkpoint was triggered (undefined before the first). */
  readonly lastTriggeredAt: number | undefined;
  /** When the last checkpoint ended (completed or failed). */
  readonly lastEndedAt: number | undefined;
}

/** Trigger now, or wait `ms` and ask again. */
export type TriggerDecision = { readonly action: 'trigger' } | { readonly action: 'wait'; readonly ms: number };

/**
 * Periodic triggering: every `intervalMs` after the previous trigger, but never more than
 * `maxConcurrent` at once and never sooner than `minPauseMs` after the previous one ended.
 *
 * @example
 * ```ts
 * decideTrigger({ now: 1000, intervalMs: 1000, minPauseMs: 0, maxConcurrent: 1, inProgress: 0,
 *   lastTriggeredAt: 0, lastEndedAt: 200 }); // { action: 'trigger' }
 * ```
 */
export function decideTrigger(i: TriggerInputs): TriggerDecision {
  const dueByInterval = i.lastTriggeredAt === undefined ? i.now : i.lastTriggeredAt + i.intervalMs;
  if (i.inProgress >= i.maxConcurrent) return { action: 'wait', ms: i.intervalMs };
  const dueByPause = i.lastEndedAt === undefined || i.minPauseMs === 0 ? i.now : i.lastEndedAt + i.minPauseMs;
  if (i.minPauseMs > 0 && i.inProgress > 0) return { action: 'wait', ms: i.minPauseMs };
  const due = Math.max(dueByInterval, dueByPause);
  return due <= i.now ? { action: 'trigger' } : { action: 'wait', ms: due - i.now };
}

/** The job goes on, or fails because too many checkpoints failed in a row. */
export type FailureDecision =
  | { readonly action: 'continue'; readonly consecutiveFailures: number }
  | { readonly action: 'fail-job'; readonly consecutiveFailures: number };

/**
 * Counts consecutive failures (a completed checkpoint resets the count) against the tolerance.
 *
 * @example
 * ```ts
 * decideOnCheckpointFailure(0, 0); // { action: 'fail-job', consecutiveFailures: 1 }
 * decideOnCheckpointFailure(0, 3); // { action: 'continue', consecutiveFailures: 1 }
 * ```
 */
export function decideOnCheckpointFailure(consecutiveFailuresBefore: number, tolerable: number): FailureDecision {
  const consecutiveFailures = consecutiveFailuresBefore + 1;
  return consecutiveFailures > tolerable
    ? { action: 'fail-job', consecutiveFailures }
    : { action: 'continue', consecutiveFailures };
}
