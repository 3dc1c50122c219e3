import type { KeyedRuntimeContext } from '../../api/functions.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
} from '../../state/state-descriptors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { Window } from '../windows/window.ts';

/**
 * What a {@link Trigger} decides for a window: `FIRE` evaluates the window function, `PURGE`
 * drops the window's contents, `FIRE_AND_PURGE` does both, `CONTINUE` does nothing.
 *
 * @example
 * ```ts
 * return count >= 100 ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
 * ```
 */
export const TriggerResult = {
  CONTINUE: 'CONTINUE',
  FIRE: 'FIRE',
  PURGE: 'PURGE',
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
} as const;

/** One of {@link TriggerResult}'s values. */
export type TriggerResult = (typeof TriggerResult)[keyof typeof TriggerResult];

/**
 * Keyed state accessors (value, list, map, reducing, aggregating). In a trigger context and in a
 * window function's `windowState` the state is scoped to the current key and window; in
 * `globalState` to the key only.
 *
 * @example
 * ```ts
 * const seen = store.getState(new ValueStateDescriptor<number>('seen'));
 * seen.update((seen.value() ?? 0) + 1);
 * ```
 */
export type KeyedStateStore = Pick<
  KeyedRuntimeContext,
  'getState' | 'getListState' | 'getMapState' | 'getReducingState' | 'getAggregatingState'
>;

/**
 * What a trigger may do: read time, register and delete timers of the current window (and key),
 * and keep per-window state (Flink's `getPartitionedState`) through the {@link KeyedStateStore}
 * getters.
 *
 * @example
 * ```ts
 * onElement(_e, _ts, window, ctx) {
 *   ctx.registerEventTimeTimer(window.maxTimestamp());
 *   return TriggerResult.CONTINUE;
 * }
 * ```
 */
export interface TriggerContext extends KeyedStateStore {
  currentProcessingTime(): number;
  currentWatermark(): Timestamp;
  /** Calls the trigger's `onEventTime` when the watermark passes `time` (one timer per key, window and time). */
  registerEventTimeTimer(time: Timestamp): void;
  /** Calls the trigger's `onProcessingTime` when the injected clock reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: Timestamp): void;
  deleteProcessingTimeTimer(time: number): void;
}

/**
 * The context of {@link Trigger.onMerge}: the current window is the merge result, and
 * `mergePartitionedState` folds the trigger state of the merged windows into it.
 *
 * @example
 * ```ts
 * onMerge(window, ctx) {
 *   ctx.mergePartitionedState(countDescriptor);
 * }
 * ```
 */
export interface OnMergeContext extends TriggerContext {
  /** Merges a reducing state of the merged windows into the merge result. */
  mergePartitionedState<T>(descriptor: ReducingStateDescriptor<T>): void;
  /** Merges a list state of the merged windows into the merge result (concatenation). */
  mergePartitionedState<T>(descriptor: ListStateDescriptor<T>): void;
  /** Merges an aggregating state of the merged windows (its function needs `merge`). */
  mergePartitionedState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): void;
}

/**
 * Decides when a window is evaluated (fired) and when its contents are purged. Only `onElement`
 * is required; the other hooks default to `CONTINUE` / doing nothing. Triggers used with session
 * (merging) windows must implement `canMerge() { return true }` and `onMerge`.
 *
 * @example
 * ```ts
 * // Fires early on an 'urgent' element, otherwise at the end of the window.
 * const urgentOrEnd: Trigger<Evt, TimeWindow> = {
 *   onElement(e, _ts, window, ctx) {
 *     if (e.urgent) return TriggerResult.FIRE;
 *     ctx.registerEventTimeTimer(window.maxTimestamp());
 *     return TriggerResult.CONTINUE;
 *   },
 *   onEventTime: (time, window) => (time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE),
 *   clear: (window, ctx) => ctx.deleteEventTimeTimer(window.maxTimestamp()),
 * };
 * keyed.window(TumblingEventTimeWindows.of(60_000)).trigger(urgentOrEnd).process('alerts', fn);
 * ```
 */
export interface Trigger<T, W extends Window> {
  /** Called for every element added to `window`. */
  onElement(element: T, timestamp: Timestamp, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when an event-time timer registered through `ctx` fires. */
  onEventTime?(time: Timestamp, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when a processing-time timer registered through `ctx` fires. */
  onProcessingTime?(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Whether the trigger supports merging windows (default false). */
  canMerge?(): boolean;
  /** Called when windows merged into `window`: re-register timers, merge state. */
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** Called when the window is purged for good: delete timers and state. */
  clear?(window: W, ctx: TriggerContext): void;
}
