import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';

/**
 * A window element with its event timestamp ({@link NO_TIMESTAMP} if it has none).
 * @example
 * ```ts
 * const newest = elements.reduce((a, b) => (b.timestamp > a.timestamp ? b : a)).value;
 * ```
 */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: Timestamp;
}

/**
 * Time as an evictor sees it.
 * @example
 * ```ts
 * evictBefore(elements, _size, _window, ctx) {
 *   const cutoff = ctx.currentWatermark() - 60_000;
 *   for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.timestamp < cutoff) elements.splice(i, 1);
 * }
 * ```
 */
export interface EvictorContext {
  currentProcessingTime(): number;
  currentWatermark(): Timestamp;
}

/**
 * Removes elements from a window when it fires, before and/or after the window function runs
 * (Flink's Evictor). A window with an evictor keeps all its elements (no incremental
 * aggregation); `elements` is that list in arrival order and evictors remove from it in place
 * (e.g. `elements.splice(0, n)`). What remains is kept for the window's next firing.
 *
 * @example
 * ```ts
 * // Drops elements flagged as test traffic before the function sees them.
 * const dropTests: Evictor<Evt, TimeWindow> = {
 *   evictBefore(elements) {
 *     for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.value.test) elements.splice(i, 1);
 *   },
 * };
 * keyed.window(TumblingEventTimeWindows.of(60_000)).evictor(dropTests).process('per-minute', fn);
 * ```
 */
export interface Evictor<T, W extends Window> {
  /** Called before the window function; `size` is the number of elements. */
  evictBefore?(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  /** Called after the window function. */
  evictAfter?(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}
