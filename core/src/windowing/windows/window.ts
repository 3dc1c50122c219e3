import type { Timestamp } from '../../time/timestamps.ts';

/**
 * A finite (or the global) group of elements that a window function sees at once. Windows are
 * values: two windows with the same `id` are the same window. The `id` names the window's state
 * namespace and the namespace of its timers.
 *
 * @example
 * ```ts
 * const w: Window = TimeWindow.of(0, 60_000);
 * w.id; // '0:60000'
 * w.maxTimestamp(); // 59999
 * ```
 */
export interface Window {
  /** A stable string identifying the window (its state and timer namespace). */
  readonly id: string;
  /** The largest timestamp that still belongs to the window. */
  maxTimestamp(): Timestamp;
}
