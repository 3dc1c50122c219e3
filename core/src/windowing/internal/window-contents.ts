import type { AggregateFunction, ReduceFunction } from '../../api/functions.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { Evictor, EvictorContext, TimestampedValue } from '../evictors/evictor.ts';
import type { Window } from '../windows/window.ts';

/**
 * How a window keeps its elements (its state `S`, one value per key and window) and what the
 * window function gets (`E`s) when it fires. Incremental contents (reduce, aggregate) keep one
 * value; list contents keep every element.
 */
export interface WindowContents<IN, S, E> {
  /** Adds an element; returns the new state (may be `state`, mutated). */
  add(state: S | undefined, value: IN, timestamp: Timestamp): S;
  /** Folds `source` into `target` (merging windows). */
  merge(target: S, source: S): S;
  /** The elements the window function sees; evicting contents evict from `state` first. */
  elements(state: S, window: Window, ctx: EvictorContext): Iterable<E>;
  /** After the window function ran: the state to keep (undefined: none left). */
  afterFire(state: S, window: Window, ctx: EvictorContext): S | undefined;
}

/** One value, folded with a reduce function. */
export class ReduceContents<T> implements WindowContents<T, T, T> {
  private readonly reduce: ReduceFunction<T>;
  constructor(reduce: ReduceFunction<T>) {
    this.reduce = reduce;
  }
  add(state: T | undefined, value: T): T {
    return state === undefined ? value : this.reduce(state, value);
  }
  merge(target: T, source: T): T {
    return this.reduce(target, source);
  }
  elements(state: T): Iterable<T> {
    return [state];
  }
  afterFire(state: T): T {
    return state;
  }
}

/** An accumulator of an aggregate function. */
export class AggregateContents<IN, ACC, OUT> implements WindowContents<IN, ACC, OUT> {
  private readonly fn: AggregateFunction<IN, ACC, OUT>;
  constructor(fn: AggregateFunction<IN, ACC, OUT>) {
    this.fn = fn;
  }
  add(state: ACC | undefined, value: IN): ACC {
    return this.fn.add(value, state === undefined ? this.fn.createAccumulator() : state);
  }
  merge(target: ACC, source: ACC): ACC {
    const merge = this.fn.merge;
    if (merge === undefined) return target; // checked when the pipeline is built
    return merge.call(this.fn, target, source);
  }
  elements(state: ACC): Iterable<OUT> {
    return [this.fn.getResult(state)];
  }
  afterFire(state: ACC): ACC {
    return state;
  }
}

/** Every element, in arrival order. */
export class ListContents<T> implements WindowContents<T, T[], T> {
  add(state: T[] | undefined, value: T): T[] {
    if (state === undefined) return [value];
    state.push(value);
    return state;
  }
  merge(target: T[], source: T[]): T[] {
    for (const v of source) target.push(v);
    return target;
  }
  elements(state: T[]): Iterable<T> {
    return state;
  }
  afterFire(state: T[]): T[] {
    return state;
  }
}

/**
 * Every element with its timestamp; on fire the evictor removes elements before and after the
 * window function, and `fold` turns the remaining values into what the function sees (the reduced
 * or aggregated value, or the values themselves).
 */
export class EvictingContents<IN, E, W extends Window> implements WindowContents<IN, TimestampedValue<IN>[], E> {
  private readonly evictor: Evictor<IN, W>;
  private readonly fold: (values: IN[]) => Iterable<E>;

  constructor(evictor: Evictor<IN, W>, fold: (values: IN[]) => Iterable<E>) {
    this.evictor = evictor;
    this.fold = fold;
  }

  add(state: TimestampedValue<IN>[] | undefined, value: IN, timestamp: Timestamp): TimestampedValue<IN>[] {
    const element = { value, timestamp };
    if (state === undefined) return [element];
    state.push(element);
    return state;
  }

  merge(target: TimestampedValue<IN>[], source: TimestampedValue<IN>[]): TimestampedValue<IN>[] {
    for (const v of source) target.push(v);
    return target;
  }

  elements(state: TimestampedValue<IN>[], window: Window, ctx: EvictorContext): Iterable<E> {
    this.evictor.evictBefore?.(state, state.length, window as W, ctx);
    const values = new Array<IN>(state.length);
    for (let i = 0; i < state.length; i++) values[i] = (state[i] as TimestampedValue<IN>).value;
    return this.fold(values);
  }

  afterFire(state: TimestampedValue<IN>[], window: Window, ctx: EvictorContext): TimestampedValue<IN>[] | undefined {
    this.evictor.evictAfter?.(state, state.length, window as W, ctx);
    return state.length === 0 ? undefined : state;
  }
}
