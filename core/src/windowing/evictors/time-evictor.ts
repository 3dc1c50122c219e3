import { SluiceError } from '../../errors.ts';
import { NO_TIMESTAMP } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';
import type { Evictor, TimestampedValue } from './evictor.ts';

/**
 * Keeps the elements of the last `windowSize` ms of event time, measured back from the newest
 * element: evicts every element with `timestamp <= max - windowSize`. Elements without
 * timestamps are left alone. Evicts before the window function by default.
 *
 * @example
 * ```ts
 * // Of each hour, only the last 5 minutes of readings.
 * keyed.window(TumblingEventTimeWindows.of(3_600_000)).evictor(TimeEvictor.of(300_000)).process('tail', fn);
 * ```
 */
export class TimeEvictor implements Evictor<unknown, Window> {
  readonly windowSize: number;
  readonly doEvictAfter: boolean;

  private constructor(windowSize: number, doEvictAfter: boolean) {
    this.windowSize = windowSize;
    this.doEvictAfter = doEvictAfter;
  }

  /** Keeps the last `windowSize` ms. */
  static of(windowSize: number, doEvictAfter = false): TimeEvictor {
    if (!(windowSize >= 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `TimeEvictor.of(windowSize) needs windowSize >= 0; got ${windowSize}.`);
    }
    return new TimeEvictor(windowSize, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[]): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[]): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    const first = elements[0];
    if (first === undefined || first.timestamp === NO_TIMESTAMP) return;
    let max = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - this.windowSize;
    let kept = 0;
    for (const e of elements) if (e.timestamp > cutoff) elements[kept++] = e;
    elements.length = kept;
  }

  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }
}
