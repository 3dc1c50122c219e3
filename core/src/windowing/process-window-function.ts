import type { Collector, KeyedRuntimeContext } from '../api/functions.ts';
import type { OutputTag } from '../api/output-tag.ts';
import type { KeyType } from '../state/key-groups.ts';
import type { Timestamp } from '../time/timestamps.ts';
import type { KeyedStateStore } from './triggers/trigger.ts';
import type { Window } from './windows/window.ts';

/**
 * What a {@link ProcessWindowFunction} sees besides the elements. One object is reused for every
 * call: read `window` during the call, do not keep the context.
 *
 * @example
 * ```ts
 * process(key, ctx, elements, out) {
 *   out.collect({ key, start: ctx.window.start, end: ctx.window.end, n: [...elements].length });
 * }
 * ```
 */
export interface ProcessWindowContext<W extends Window> {
  /** The window being evaluated. */
  readonly window: W;
  currentWatermark(): Timestamp;
  currentProcessingTime(): number;
  /**
   * State of the current key and window (e.g. to count firings of the same window); clear it in
   * `clear()`. Not available with merging (session) windows.
   */
  readonly windowState: KeyedStateStore;
  /** State of the current key across all windows. */
  readonly globalState: KeyedStateStore;
  /** Emits to a side output (with the window's max timestamp). */
  output<S>(tag: OutputTag<S>, value: S): void;
}

/**
 * Evaluates a window: gets the key, the window and all its elements (or, after `reduce` /
 * `aggregate`, the single pre-aggregated result) and emits any number of results, each stamped
 * with `window.maxTimestamp()`.
 *
 * @example
 * ```ts
 * const perWindow: ProcessWindowFunction<number, string, string, TimeWindow> = {
 *   process(key, ctx, sums, out) {
 *     for (const sum of sums) out.collect(`${key} [${ctx.window.start}, ${ctx.window.end}): ${sum}`);
 *   },
 * };
 * keyed.window(TumblingEventTimeWindows.of(60_000)).reduce('sum', (a, b) => a + b, perWindow);
 * ```
 */
export interface ProcessWindowFunction<IN, OUT, K extends KeyType, W extends Window> {
  /** Called once per subtask; state got here from `ctx` is the key's global state. */
  open?(ctx: KeyedRuntimeContext): void;
  process(key: K, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  /** Called when the window is purged for good (after its cleanup time): clear per-window state. */
  clear?(context: ProcessWindowContext<W>): void;
  close?(): void;
}
