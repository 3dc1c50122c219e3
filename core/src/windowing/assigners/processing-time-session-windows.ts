import { sessionWindowFor } from './session-gap.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow } from '../windows/time-window.ts';
import { type MergingWindowAssigner, type WindowAssignerContext, requirePositive } from './window-assigner.ts';

/**
 * Session windows in processing time (the injected clock): a session of a key ends after `gap`
 * ms of processing time without elements. Default trigger: {@link ProcessingTimeTrigger}.
 *
 * @example
 * ```ts
 * keyed.window(ProcessingTimeSessionWindows.withGap(10_000)).process('bursts', fn);
 * ```
 */
export class ProcessingTimeSessionWindows<T = unknown> implements MergingWindowAssigner<T, TimeWindow> {
  private readonly gapOf: (element: T) => number;
  private readonly fixedGap: number;

  private constructor(fixedGap: number, gapOf: ((element: T) => number) | undefined) {
    this.fixedGap = fixedGap;
    this.gapOf = gapOf ?? (() => fixedGap);
  }

  /** Sessions that end after `gap` ms of processing time without elements. */
  static withGap(gap: number): ProcessingTimeSessionWindows {
    return new ProcessingTimeSessionWindows(requirePositive(gap, 'ProcessingTimeSessionWindows gap'), undefined);
  }

  /** Sessions whose gap is computed from each element (must be > 0). */
  static withDynamicGap<T>(extractor: (element: T) => number): ProcessingTimeSessionWindows<T> {
    return new ProcessingTimeSessionWindows<T>(Number.NaN, extractor);
  }

  assignWindows(element: T, _timestamp: Timestamp, ctx: WindowAssignerContext): readonly TimeWindow[] {
    const now = ctx.currentProcessingTime();
    return sessionWindowFor(element, now, this.fixedGap, this.gapOf);
  }

  mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return Number.isNaN(this.fixedGap)
      ? 'ProcessingTimeSessionWindows(dynamic)'
      : `ProcessingTimeSessionWindows(${this.fixedGap})`;
  }
}
