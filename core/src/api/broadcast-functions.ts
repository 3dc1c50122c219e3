import type { BroadcastState, ReadOnlyBroadcastState } from '../state/broadcast-state.ts';
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from '../state/state-descriptors.ts';
import type { Timestamp } from '../time/timestamps.ts';
import type {
  Collector,
  KeyedProcessContext,
  KeyedRuntimeContext,
  OperatorRuntimeContext,
  ProcessContext,
} from './functions.ts';

/**
 * Context of the non-broadcast side: broadcast state is read only there.
 * @example
 * ```ts
 * processElement(txn, ctx, out) {
 *   const limit = ctx.getBroadcastState(limits).get(txn.country);
 *   if (limit !== undefined && txn.amount > limit) out.collect(txn);
 * }
 * ```
 */
export interface BroadcastReadOnlyContext extends ProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/**
 * Context of the broadcast side: broadcast state is writable there.
 * @example
 * ```ts
 * processBroadcastElement(limit, ctx) { ctx.getBroadcastState(limits).put(limit.country, limit.amount); }
 * ```
 */
export interface BroadcastContext extends ProcessContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * Processes a non-keyed stream connected to a {@link BroadcastStream} (Flink's
 * `BroadcastProcessFunction`). Every subtask receives every broadcast element; keep broadcast state
 * updates deterministic so all subtasks hold the same state.
 *
 * @example
 * ```ts
 * events.connect(thresholds.broadcast(limits)).process<Evt>('apply-limits', {
 *   processElement(e, ctx, out) { if (e.value > (ctx.getBroadcastState(limits).get('max') ?? Infinity)) out.collect(e); },
 *   processBroadcastElement(max, ctx) { ctx.getBroadcastState(limits).put('max', max); },
 * });
 * ```
 */
export interface BroadcastProcessFunction<IN1, IN2, OUT> {
  open?(ctx: OperatorRuntimeContext): void;
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
  close?(): void;
}

/**
 * Context of the keyed side of a {@link KeyedBroadcastProcessFunction}: the current key, its
 * keyed state and timers, and read-only broadcast state.
 * @example
 * ```ts
 * processElement(txn, ctx, out) {
 *   const rule = ctx.getBroadcastState(rules).get('large');
 *   if (rule && txn.amount > rule.limit) out.collect(`${ctx.getCurrentKey()} ${txn.amount}`);
 * }
 * ```
 */
export interface KeyedBroadcastReadOnlyContext<K> extends KeyedProcessContext<K> {
  getBroadcastState<KS, VS>(descriptor: MapStateDescriptor<KS, VS>): ReadOnlyBroadcastState<KS, VS>;
}

/**
 * Context of {@link KeyedBroadcastProcessFunction.onTimer}.
 * @example
 * ```ts
 * onTimer(t, ctx, out) { if (ctx.timeDomain() === 'event-time') out.collect(`${ctx.getCurrentKey()}@${t}`); }
 * ```
 */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): 'event-time' | 'processing-time';
}

/**
 * Context of the broadcast side of a {@link KeyedBroadcastProcessFunction}: writable broadcast
 * state, and {@link KeyedBroadcastContext.applyToKeyedState} to visit the keyed state of every key
 * this subtask holds. There is no current key here, so keyed state and timers are not accessible
 * directly.
 * @example
 * ```ts
 * processBroadcastElement(rule, ctx) {
 *   ctx.getBroadcastState(rules).put(rule.name, rule);
 *   ctx.applyToKeyedState(counts, (_key, count) => count.clear()); // a new rule resets all counters
 * }
 * ```
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /** Calls `fn` for every key of this subtask that has a value of `descriptor`'s state, with the key set. */
  applyToKeyedState<T>(descriptor: ValueStateDescriptor<T>, fn: (key: K, state: ValueState<T>) => void): void;
  applyToKeyedState<T>(descriptor: ListStateDescriptor<T>, fn: (key: K, state: ListState<T>) => void): void;
  applyToKeyedState<MK, MV>(
    descriptor: MapStateDescriptor<MK, MV>,
    fn: (key: K, state: MapState<MK, MV>) => void,
  ): void;
  applyToKeyedState<T>(descriptor: ReducingStateDescriptor<T>, fn: (key: K, state: ReducingState<T>) => void): void;
  applyToKeyedState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
    fn: (key: K, state: AggregatingState<IN, OUT>) => void,
  ): void;
}

/**
 * Processes a keyed stream connected to a {@link BroadcastStream} (Flink's
 * `KeyedBroadcastProcessFunction`): keyed state and timers on the keyed side, writable broadcast
 * state on the broadcast side.
 *
 * @example
 * ```ts
 * const rules = new MapStateDescriptor<string, number>('rules');
 * txns.keyBy((t) => t.account)
 *   .connect(ruleUpdates.broadcast(rules))
 *   .process<string>('check-limits', {
 *     processElement(t, ctx, out) {
 *       const limit = ctx.getBroadcastState(rules).get('limit');
 *       if (limit !== undefined && t.amount > limit) out.collect(`${ctx.getCurrentKey()} over limit`);
 *     },
 *     processBroadcastElement(limit, ctx) { ctx.getBroadcastState(rules).put('limit', limit); },
 *   });
 * ```
 */
export interface KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: Timestamp, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void;
}
