import type { Timestamp } from '../time/timestamps.ts';
import type { KeyType } from '../state/key-groups.ts';
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
import type { OutputTag } from './output-tag.ts';

/** Transforms one record into one record. */
export type MapFunction<IN, OUT> = (value: IN) => OUT;
/** Keeps the records for which it returns true. */
export type FilterFunction<T> = (value: T) => boolean;
/** Emits zero or more records per input through `out`. */
export type FlatMapFunction<IN, OUT> = (value: IN, out: Collector<OUT>) => void;
/** Extracts the partitioning key of a record. Keys must be primitives (see {@link KeyType}). */
export type KeySelector<T, K extends KeyType> = (value: T) => K;
/** Combines two values of the same type (associative). */
export type ReduceFunction<T> = (a: T, b: T) => T;

/**
 * Incremental aggregation with an accumulator.
 * @example
 * ```ts
 * const average: AggregateFunction<number, { sum: number; n: number }, number> = {
 *   createAccumulator: () => ({ sum: 0, n: 0 }),
 *   add: (v, acc) => ({ sum: acc.sum + v, n: acc.n + 1 }),
 *   getResult: (acc) => acc.sum / acc.n,
 *   merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
 * };
 * ```
 */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  /** Needed for merging (session) windows. */
  merge?(a: ACC, b: ACC): ACC;
}

/** Receives the output of a function. */
export interface Collector<T> {
  collect(value: T): void;
}

/** What every rich function's `open` receives. */
export interface RuntimeContext {
  /** The operator's stable uid (or name). */
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/** Runtime context of keyed functions: keyed state, scoped to the key of the current record. */
export interface KeyedRuntimeContext extends RuntimeContext {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Timers and time of a keyed function; timers are per key, deduplicated per (key, time). */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): Timestamp;
  registerEventTimeTimer(time: Timestamp): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: Timestamp): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** Context of {@link ProcessFunction.processElement}. */
export interface ProcessContext {
  /** Event time of the current record, or undefined if it has none. */
  timestamp(): Timestamp | undefined;
  currentWatermark(): Timestamp;
  currentProcessingTime(): number;
  /** Emits to a side output. */
  output<S>(tag: OutputTag<S>, value: S): void;
}

/** A low-level function on a (non-keyed) stream, with side outputs. */
export interface ProcessFunction<IN, OUT> {
  open?(ctx: OperatorRuntimeContext): void;
  processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
  close?(): void;
}

/** Context of {@link KeyedProcessFunction.processElement}. */
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/** Context of {@link KeyedProcessFunction.onTimer}. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'event-time' | 'processing-time';
}

/**
 * A function on a keyed stream with keyed state and timers (Flink's KeyedProcessFunction).
 *
 * @example
 * ```ts
 * keyed.process('idle-alert', {
 *   open(ctx) { this.last = ctx.getState(new ValueStateDescriptor<number>('last')); },
 *   processElement(e, ctx) {
 *     this.last.update(ctx.timestamp()!);
 *     ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 60_000);
 *   },
 *   onTimer(t, ctx, out) { if (this.last.value()! + 60_000 <= t) out.collect(`${ctx.getCurrentKey()} idle`); },
 * } as KeyedProcessFunction<string, Evt, string> & { last: ValueState<number> });
 * ```
 */
export interface KeyedProcessFunction<K, IN, OUT> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: Timestamp, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void;
}

/**
 * Runtime context of non-keyed rich functions (`process`, connected and broadcast streams):
 * operator state, lists that belong to the subtask rather than to a key (Flink's
 * `OperatorStateStore`). A checkpoint stores their items; restored with another parallelism, the
 * items of all old subtasks are dealt round-robin over the new subtasks.
 *
 * @example
 * ```ts
 * stream.process('buffer', {
 *   open(ctx) { this.pending = ctx.getListState(new ListStateDescriptor<Evt>('pending')); },
 *   processElement(e, _ctx, out) {
 *     this.pending.add(e);
 *     if (this.pending.get().length < 10) return;
 *     for (const p of this.pending.get()) out.collect(p);
 *     this.pending.clear();
 *   },
 * } as ProcessFunction<Evt, Evt> & { pending: ListState<Evt> });
 * ```
 */
export interface OperatorRuntimeContext extends RuntimeContext {
  /** A list of this subtask's operator state (not scoped to a key). */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
}
