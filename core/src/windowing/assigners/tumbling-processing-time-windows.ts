import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AlignedWindowCache } from '../internal/aligned-window-cache.ts';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow } from '../windows/time-window.ts';
import { type WindowAssigner, type WindowAssignerContext, requirePositive } from './window-assigner.ts';

/**
 * Non-overlapping windows of processing time (the injected clock), aligned to the epoch plus
 * `offset`. An element belongs to the window of the time it is processed. Default trigger:
 * {@link ProcessingTimeTrigger}.
 *
 * @example
 * ```ts
 * clicks.keyBy((c) => c.page).window(TumblingProcessingTimeWindows.of(10_000)).aggregate('clicks-10s', countFn);
 * ```
 */
export class TumblingProcessingTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly offset: number;
  private readonly cache: AlignedWindowCache;

  private constructor(size: number, offset: number) {
    this.size = requirePositive(size, 'TumblingProcessingTimeWindows size');
    if (!(Math.abs(offset) < size)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `TumblingProcessingTimeWindows needs |offset| < size; got size ${size}, offset ${offset}.`,
      );
    }
    this.offset = offset;
    this.cache = new AlignedWindowCache(size, size);
  }

  /** Windows of `size` ms of processing time, shifted by `offset` ms (|offset| < size). */
  static of(size: number, offset = 0): TumblingProcessingTimeWindows {
    return new TumblingProcessingTimeWindows(size, offset);
  }

  assignWindows(_element: unknown, _timestamp: Timestamp, ctx: WindowAssignerContext): readonly TimeWindow[] {
    const now = ctx.currentProcessingTime();
    return this.cache.windows(TimeWindow.getWindowStartWithOffset(now, this.offset, this.size), now);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}
