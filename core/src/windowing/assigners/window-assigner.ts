import { SluiceError } from '../../errors.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import type { Trigger } from '../triggers/trigger.ts';
import type { Window } from '../windows/window.ts';

/**
 * What an assigner may read: the injected processing-time clock.
 * @example
 * ```ts
 * assignWindows(_e, _ts, ctx) {
 *   const now = ctx.currentProcessingTime();
 *   return [TimeWindow.of(now, now + 1_000)];
 * }
 * ```
 */
export interface WindowAssignerContext {
  currentProcessingTime(): number;
}

/**
 * Puts each element into zero or more windows and names the trigger used unless the job sets
 * one. The returned array must not be modified (assigners return cached, frozen arrays).
 *
 * @example
 * ```ts
 * // All elements of a key in windows of one calendar hour offset by 15 minutes.
 * keyed.window(TumblingEventTimeWindows.of(3_600_000, 900_000));
 * ```
 */
export interface WindowAssigner<T, W extends Window> {
  assignWindows(element: T, timestamp: Timestamp, ctx: WindowAssignerContext): readonly W[];
  getDefaultTrigger(): Trigger<T, W>;
  /** True when windows are in event time (lateness and watermarks apply). */
  isEventTime(): boolean;
}

/**
 * An assigner whose windows merge (sessions): after assigning, the in-flight windows of a key are
 * merged with `mergeWindows`, and state, triggers and timers follow the merge.
 *
 * @example
 * ```ts
 * isMergingWindowAssigner(EventTimeSessionWindows.withGap(30_000)); // true
 * ```
 */
export interface MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /** Reports each group of windows that must become one, with the window covering them. */
  mergeWindows(windows: readonly W[], callback: (toBeMerged: W[], mergeResult: W) => void): void;
}

/**
 * Whether `assigner` merges windows.
 *
 * @example
 * ```ts
 * if (isMergingWindowAssigner(assigner)) console.log('session windows');
 * ```
 */
export function isMergingWindowAssigner<T, W extends Window>(
  assigner: WindowAssigner<T, W>,
): assigner is MergingWindowAssigner<T, W> {
  return typeof (assigner as Partial<MergingWindowAssigner<T, W>>).mergeWindows === 'function';
}

/** @internal Throws the NO_TIMESTAMP error of event-time assigners for a record without timestamp. */
export function requireTimestamp(timestamp: Timestamp, assigner: string): Timestamp {
  if (timestamp === NO_TIMESTAMP) {
    throw new SluiceError(
      'NO_TIMESTAMP',
      `A record has no event timestamp, so ${assigner} cannot assign it to a window. Set a WatermarkStrategy ` +
        'with a timestamp assigner on the source, e.g. env.fromSource(source, ' +
        'WatermarkStrategy.forBoundedOutOfOrderness(5_000).withTimestampAssigner((e) => e.time), name), ' +
        'or use processing-time windows.',
    );
  }
  return timestamp;
}

/** @internal Checks a window size / gap / slide argument. */
export function requirePositive(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new SluiceError('INVALID_ARGUMENT', `${what} must be a finite number > 0; got ${value}.`);
  }
  return value;
}
