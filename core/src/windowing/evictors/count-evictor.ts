import { SluiceError } from '../../errors.ts';
import type { Window } from '../windows/window.ts';
import type { Evictor, TimestampedValue } from './evictor.ts';

/**
 * Keeps at most `maxCount` elements: the most recent ones (sliding count windows). Evicts before
 * the window function by default, after it with `doEvictAfter`.
 *
 * @example
 * ```ts
 * // The last 10 elements, every 5 elements (what countWindow(10, 5) builds).
 * keyed.window(GlobalWindows.create()).evictor(CountEvictor.of(10)).trigger(CountTrigger.of(5));
 * ```
 */
export class CountEvictor implements Evictor<unknown, Window> {
  readonly maxCount: number;
  readonly doEvictAfter: boolean;

  private constructor(maxCount: number, doEvictAfter: boolean) {
    this.maxCount = maxCount;
    this.doEvictAfter = doEvictAfter;
  }

  /** Keeps the last `maxCount` elements. */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    if (!Number.isInteger(maxCount) || maxCount < 0) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `CountEvictor.of(maxCount) needs a whole number >= 0; got ${maxCount}.`,
      );
    }
    return new CountEvictor(maxCount, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], size: number): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<unknown>[], size: number): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }

  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size > this.maxCount) elements.splice(0, size - this.maxCount);
  }

  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }
}
