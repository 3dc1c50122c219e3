import { SluiceError } from '../../errors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AlignedWindowCache } from '../internal/aligned-window-cache.ts';
import { EventTimeTrigger } from '../triggers/event-time-trigger.ts';
import type { Trigger } from '../triggers/trigger.ts';
import { TimeWindow } from '../windows/time-window.ts';
import {
  type WindowAssigner,
  type WindowAssignerContext,
  requirePositive,
  requireTimestamp,
} from './window-assigner.ts';

/**
 * Overlapping event-time windows of `size`, one starting every `slide` ms (aligned to the epoch
 * plus `offset`): an element belongs to about `size / slide` windows. Default trigger:
 * {@link EventTimeTrigger}.
 *
 * @example
 * ```ts
 * // The last 10 minutes, every minute.
 * readings.keyBy((r) => r.sensor).window(SlidingEventTimeWindows.of(600_000, 60_000)).aggregate('avg-10m', average);
 * ```
 */
export class SlidingEventTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  private readonly cache: AlignedWindowCache;

  private constructor(size: number, slide: number, offset: number) {
    this.size = requirePositive(size, 'SlidingEventTimeWindows size');
    this.slide = requirePositive(slide, 'SlidingEventTimeWindows slide');
    if (!(Math.abs(offset) < slide)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `SlidingEventTimeWindows needs |offset| < slide; got slide ${slide}, offset ${offset}.`,
      );
    }
    this.offset = offset;
    this.cache = new AlignedWindowCache(size, slide);
  }

  /** Windows of `size` ms every `slide` ms, shifted by `offset` ms (|offset| < slide). */
  static of(size: number, slide: number, offset = 0): SlidingEventTimeWindows {
    return new SlidingEventTimeWindows(size, slide, offset);
  }

  assignWindows(_element: unknown, timestamp: Timestamp, _ctx?: WindowAssignerContext): readonly TimeWindow[] {
    requireTimestamp(timestamp, 'SlidingEventTimeWindows');
    return this.cache.windows(TimeWindow.getWindowStartWithOffset(timestamp, this.offset, this.slide), timestamp);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}
