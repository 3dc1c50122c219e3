import { SluiceError } from '../errors.ts';
import type { AggregateFunction, ReduceFunction } from '../api/functions.ts';

/**
 * Time-to-live of keyed state, measured in processing time from the injected clock.
 * `updateOn`: which accesses refresh the timestamp. Expired values are never returned.
 */
export interface StateTtlConfig {
  readonly ttlMs: number;
  readonly updateOn?: 'create-and-write' | 'read-and-write';
}

/** Common part of all state descriptors: a name unique within its operator, optional TTL. */
export abstract class StateDescriptor<Kind extends string> {
  abstract readonly kind: Kind;
  readonly name: string;
  ttl: StateTtlConfig | undefined;

  protected constructor(name: string) {
    if (!name) throw new SluiceError('INVALID_ARGUMENT', 'A state descriptor needs a non-empty name.');
    this.name = name;
  }

  /**
   * Enables TTL for this state.
   * @example
   * ```ts
   * const seen = new ValueStateDescriptor<number>('last-seen').enableTimeToLive({ ttlMs: 3_600_000 });
   * ```
   */
  enableTimeToLive(config: StateTtlConfig): this {
    if (!(config.ttlMs > 0)) throw new SluiceError('INVALID_ARGUMENT', `ttlMs must be > 0; got ${config.ttlMs}`);
    this.ttl = config;
    return this;
  }
}

/**
 * Describes a {@link ValueState}.
 * @example
 * ```ts
 * const count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
 * count.update((count.value() ?? 0) + 1);
 * ```
 */
export class ValueStateDescriptor<T> extends StateDescriptor<'value'> {
  readonly kind = 'value' as const;
  readonly defaultValue: T | undefined;
  constructor(name: string, defaultValue?: T) {
    super(name);
    this.defaultValue = defaultValue;
  }
}

/**
 * Describes a {@link ListState}.
 * @example
 * ```ts
 * const buffer = ctx.getListState(new ListStateDescriptor<Txn>('recent'));
 * ```
 */
export class ListStateDescriptor<T> extends StateDescriptor<'list'> {
  readonly kind = 'list' as const;
  declare readonly _element?: T;
  constructor(name: string) {
    super(name);
  }
}

/**
 * Describes a {@link MapState}.
 * @example
 * ```ts
 * const perMerchant = ctx.getMapState(new MapStateDescriptor<string, number>('per-merchant'));
 * ```
 */
export class MapStateDescriptor<K, V> extends StateDescriptor<'map'> {
  readonly kind = 'map' as const;
  declare readonly _entry?: [K, V];
  constructor(name: string) {
    super(name);
  }
}

/**
 * Describes a {@link ReducingState}.
 * @example
 * ```ts
 * const total = ctx.getReducingState(new ReducingStateDescriptor<number>('total', (a, b) => a + b));
 * ```
 */
export class ReducingStateDescriptor<T> extends StateDescriptor<'reducing'> {
  readonly kind = 'reducing' as const;
  readonly reduce: ReduceFunction<T>;
  constructor(name: string, reduce: ReduceFunction<T>) {
    super(name);
    this.reduce = reduce;
  }
}

/**
 * Describes an {@link AggregatingState}.
 * @example
 * ```ts
 * const avg = ctx.getAggregatingState(new AggregatingStateDescriptor('avg', averageOf));
 * ```
 */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<'aggregating'> {
  readonly kind = 'aggregating' as const;
  readonly aggregate: AggregateFunction<IN, ACC, OUT>;
  constructor(name: string, aggregate: AggregateFunction<IN, ACC, OUT>) {
    super(name);
    this.aggregate = aggregate;
  }
}

/** One value per key. */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

/** A list per key. */
export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  addAll(values: readonly T[]): void;
  update(values: readonly T[]): void;
  clear(): void;
}

/** A map per key. */
export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  clear(): void;
}

/** A value per key folded with a reduce function on every add. */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

/** An accumulator per key, fed by an aggregate function. */
export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}
