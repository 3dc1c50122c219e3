import { sessionWindowFor } from './session-gap.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow } from '../windows/time-window.ts';
import {
  type MergingWindowAssigner,
  type WindowAssignerContext,
  requirePositive,
  requireTimestamp,
} from './window-assigner.ts';

/**
 * Session windows in event time: an element opens `[t, t + gap)`, and windows of a key that
 * overlap or touch merge, so a session ends after `gap` ms without elements. The gap may depend
 * on the element (`withDynamicGap`). Default trigger: {@link EventTimeTrigger}.
 *
 * @example
 * ```ts
 * clicks.keyBy((c) => c.user)
 *   .window(EventTimeSessionWindows.withGap(30 * 60_000))
 *   .aggregate('session-length', countClicks);
 * ```
 */
export class EventTimeSessionWindows<T = unknown> implements MergingWindowAssigner<T, TimeWindow> {
  private readonly gapOf: (element: T) => number;
  private readonly fixedGap: number;

  private constructor(fixedGap: number, gapOf: ((element: T) => number) | undefined) {
    this.fixedGap = fixedGap;
    this.gapOf = gapOf ?? (() => fixedGap);
  }

  /** Sessions that end after `gap` ms without elements. */
  static withGap(gap: number): EventTimeSessionWindows {
    return new EventTimeSessionWindows(requirePositive(gap, 'EventTimeSessionWindows gap'), undefined);
  }

  /** Sessions whose gap is computed from each element (must be > 0). */
  static withDynamicGap<T>(extractor: (element: T) => number): EventTimeSessionWindows<T> {
    return new EventTimeSessionWindows<T>(Number.NaN, extractor);
  }

  assignWindows(element: T, timestamp: Timestamp, _ctx?: WindowAssignerContext): readonly TimeWindow[] {
    requireTimestamp(timestamp, 'EventTimeSessionWindows');
    return sessionWindowFor(element, timestamp, this.fixedGap, this.gapOf);
  }

  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return Number.isNaN(this.fixedGap)
      ? 'EventTimeSessionWindows(dynamic)'
      : `EventTimeSessionWindows(${this.fixedGap})`;
  }
}
