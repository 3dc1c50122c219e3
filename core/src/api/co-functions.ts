import type { Timestamp } from '../time/timestamps.ts';
import type {
  Collector,
  KeyedProcessContext,
  KeyedRuntimeContext,
  OnTimerContext,
  OperatorRuntimeContext,
  ProcessContext,
} from './functions.ts';

/**
 * Transforms the records of two connected streams into one output type (Flink's `CoMapFunction`).
 *
 * @example
 * ```ts
 * numbers.connect(words).map('to-text', { map1: (n) => `#${n}`, map2: (w) => w });
 * ```
 */
export interface CoMapFunction<IN1, IN2, OUT> {
  map1(value: IN1): OUT;
  map2(value: IN2): OUT;
}

/**
 * Emits zero or more records per record of either connected stream (Flink's `CoFlatMapFunction`).
 *
 * @example
 * ```ts
 * sentences.connect(words).flatMap('tokens', {
 *   flatMap1: (s, out) => s.split(' ').forEach((w) => out.collect(w)),
 *   flatMap2: (w, out) => out.collect(w),
 * });
 * ```
 */
export interface CoFlatMapFunction<IN1, IN2, OUT> {
  flatMap1(value: IN1, out: Collector<OUT>): void;
  flatMap2(value: IN2, out: Collector<OUT>): void;
}

/**
 * A low-level function on two connected, non-keyed streams with side outputs and operator state
 * (Flink's `CoProcessFunction`). The two methods are never called concurrently.
 *
 * @example
 * ```ts
 * orders.connect(payments).process<string>('tag-origin', {
 *   processElement1: (o, _ctx, out) => out.collect(`order ${o.id}`),
 *   processElement2: (p, _ctx, out) => out.collect(`payment ${p.orderId}`),
 * });
 * ```
 */
export interface CoProcessFunction<IN1, IN2, OUT> {
  open?(ctx: OperatorRuntimeContext): void;
  processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
  close?(): void;
}

/**
 * A function on two connected streams keyed by the same kind of key: keyed state and timers are
 * shared by both inputs for a key (Flink's `KeyedCoProcessFunction`).
 *
 * @example
 * ```ts
 * orders.connect(payments).keyBy((o) => o.id, (p) => p.orderId).process<string>('match', {
 *   open(ctx) { this.seen = ctx.getState(new ValueStateDescriptor<boolean>('seen')); },
 *   processElement1(o, ctx, out) { if (this.seen.value()) out.collect(`paid ${o.id}`); else this.seen.update(true); },
 *   processElement2(p, ctx, out) { if (this.seen.value()) out.collect(`paid ${p.orderId}`); else this.seen.update(true); },
 * } as KeyedCoProcessFunction<string, Order, Payment, string> & { seen: ValueState<boolean> });
 * ```
 */
export interface KeyedCoProcessFunction<K, IN1, IN2, OUT> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: Timestamp, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void;
}
