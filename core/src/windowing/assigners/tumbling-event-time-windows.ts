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
 * Non-overlapping event-time windows of a fixed `size`, aligned to the epoch plus `offset`
 * (e.g. hourly windows starting at quarter past with `of(3_600_000, 900_000)`). Default trigger:
 * {@link EventTimeTrigger}.
 *
 * @example
 * ```ts
 * txns.keyBy((t) => t.account)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .reduce('sum-per-minute', (a, b) => ({ ...a, amount: a.amount + b.amount }));
 * ```
 */
export class TumblingEventTimeWindows implements WindowAssigner<unknown, TimeWindow> {
  readonly size: number;
  readonly offset: number;
  private readonly cache: AlignedWindowCache;

  private constructor(size: number, offset: number) {
    this.size = requirePositive(size, 'TumblingEventTimeWindows size');
    if (!(Math.abs(offset) < size)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `TumblingEventTimeWindows needs |offset| < size; got size ${size}, offset ${offset}.`,
      );
    }
    this.offset = offset;
    this.cache = new AlignedWindowCache(size, size);
  }

  /** Windows of `size` ms, shifted by `offset` ms (|offset| < size). */
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    return new TumblingEventTimeWindows(size, offset);
  }

  assignWindows(_element: unknown, timestamp: Timestamp, _ctx?: WindowAssignerContext): readonly TimeWindow[] {
    requireTimestamp(timestamp, 'TumblingEventTimeWindows');
    return this.cache.windows(TimeWindow.getWindowStartWithOffset(timestamp, this.offset, this.size), timestamp);
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}
