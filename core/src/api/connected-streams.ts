import { SluiceError } from '../errors.ts';
import { CoProcessOperator } from '../runtime/operators/co-process-operator.ts';
import { KeyedCoProcessOperator } from '../runtime/operators/keyed-co-process-operator.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import type { CoFlatMapFunction, CoMapFunction, CoProcessFunction, KeyedCoProcessFunction } from './co-functions.ts';
import { type DataStream, nameAndFunction, perSubtask } from './data-stream.ts';
import type { KeySelector } from './functions.ts';
import { addOperatorNode } from './operator-node.ts';

/**
 * Two streams of possibly different types, connected for a two-input operator (from
 * {@link DataStream.connect}). Records of both inputs reach the same function instance, which may
 * share state between them; the output watermark is the minimum of both inputs' watermarks.
 *
 * @example
 * ```ts
 * const merged = numbers.connect(words).process<string>('merge', {
 *   processElement1: (n, _ctx, out) => out.collect(String(n)),
 *   processElement2: (w, _ctx, out) => out.collect(w),
 * });
 * ```
 */
export class ConnectedStreams<IN1, IN2> {
  /** The first input (its records reach `processElement1` / `flatMap1` / `map1`). */
  readonly first: DataStream<IN1>;
  /** The second input. */
  readonly second: DataStream<IN2>;

  /** @internal Use {@link DataStream.connect}. */
  constructor(first: DataStream<IN1>, second: DataStream<IN2>) {
    if (first.env !== second.env) {
      throw new SluiceError('INVALID_PIPELINE', 'connect() needs two streams of the same environment.');
    }
    this.first = first;
    this.second = second;
  }

  /** Processes both inputs with one {@link CoProcessFunction} (side outputs, operator state). */
  process<OUT>(fn: CoProcessFunction<IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(name: string, fn: CoProcessFunction<IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(a: string | CoProcessFunction<IN1, IN2, OUT>, b?: CoProcessFunction<IN1, IN2, OUT>): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'co-process');
    return this.node<OUT>(name, named, () => new CoProcessOperator<IN1, IN2, OUT>(perSubtask(fn)));
  }

  /** Emits zero or more records per record of either input. */
  flatMap<OUT>(fn: CoFlatMapFunction<IN1, IN2, OUT>): DataStream<OUT>;
  flatMap<OUT>(name: string, fn: CoFlatMapFunction<IN1, IN2, OUT>): DataStream<OUT>;
  flatMap<OUT>(a: string | CoFlatMapFunction<IN1, IN2, OUT>, b?: CoFlatMapFunction<IN1, IN2, OUT>): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'co-flat-map');
    const asProcess: CoProcessFunction<IN1, IN2, OUT> = {
      processElement1: (value, _ctx, out) => fn.flatMap1(value, out),
      processElement2: (value, _ctx, out) => fn.flatMap2(value, out),
    };
    return this.node<OUT>(name, named, () => new CoProcessOperator<IN1, IN2, OUT>(asProcess));
  }

  /** Transforms every record of either input into one output record. */
  map<OUT>(fn: CoMapFunction<IN1, IN2, OUT>): DataStream<OUT>;
  map<OUT>(name: string, fn: CoMapFunction<IN1, IN2, OUT>): DataStream<OUT>;
  map<OUT>(a: string | CoMapFunction<IN1, IN2, OUT>, b?: CoMapFunction<IN1, IN2, OUT>): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'co-map');
    const asProcess: CoProcessFunction<IN1, IN2, OUT> = {
      processElement1: (value, _ctx, out) => out.collect(fn.map1(value)),
      processElement2: (value, _ctx, out) => out.collect(fn.map2(value)),
    };
    return this.node<OUT>(name, named, () => new CoProcessOperator<IN1, IN2, OUT>(asProcess));
  }

  /**
   * Partitions both inputs by key (each with its own selector, yielding the same kind of key), so
   * records with equal keys from either input meet in the same subtask with shared keyed state.
   */
  keyBy<K extends KeyType>(key1: KeySelector<IN1, K>, key2: KeySelector<IN2, K>): KeyedConnectedStreams<IN1, IN2, K> {
    return new KeyedConnectedStreams<IN1, IN2, K>(this.first, this.second, key1, key2);
  }

  private node<OUT>(name: string, named: boolean, create: () => StreamOperator<unknown>): DataStream<OUT> {
    return addOperatorNode<OUT>(
      { name, named, stateful: false, create },
      { stream: this.first as DataStream<unknown> },
      { stream: this.second as DataStream<unknown> },
    );
  }
}

/**
 * Two connected streams partitioned by the same kind of key (from {@link ConnectedStreams.keyBy},
 * or connecting two {@link KeyedStream}s): a {@link KeyedCoProcessFunction} sees keyed state and
 * timers shared by both inputs of a key.
 *
 * @example
 * ```ts
 * control.connect(words)
 *   .keyBy((c) => c.word, (w) => w)
 *   .process<string>('filter-words', {
 *     open(ctx) { this.blocked = ctx.getState(new ValueStateDescriptor<boolean>('blocked')); },
 *     processElement1(_c, _ctx) { this.blocked.update(true); },
 *     processElement2(w, _ctx, out) { if (!this.blocked.value()) out.collect(w); },
 *   } as KeyedCoProcessFunction<string, Control, string, string> & { blocked: ValueState<boolean> });
 * ```
 */
export class KeyedConnectedStreams<IN1, IN2, K extends KeyType> {
  readonly first: DataStream<IN1>;
  readonly second: DataStream<IN2>;
  readonly keySelector1: KeySelector<IN1, K>;
  readonly keySelector2: KeySelector<IN2, K>;

  /** @internal Use {@link ConnectedStreams.keyBy} or connect two keyed streams. */
  constructor(first: DataStream<IN1>, second: DataStream<IN2>, key1: KeySelector<IN1, K>, key2: KeySelector<IN2, K>) {
    if (first.env !== second.env) {
      throw new SluiceError('INVALID_PIPELINE', 'connect() needs two streams of the same environment.');
    }
    this.first = first;
    this.second = second;
    this.keySelector1 = key1;
    this.keySelector2 = key2;
  }

  /** Processes both inputs with keyed state and timers. Stateful: give it a stable name. */
  process<OUT>(fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(name: string, fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(
    a: string | KeyedCoProcessFunction<K, IN1, IN2, OUT>,
    b?: KeyedCoProcessFunction<K, IN1, IN2, OUT>,
  ): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'keyed-co-process');
    const key1 = this.keySelector1;
    const key2 = this.keySelector2;
    return addOperatorNode<OUT>(
      {
        name,
        named,
        stateful: true,
        keySelector: key1 as (value: unknown) => KeyType,
        create: () =>
          new KeyedCoProcessOperator<K, IN1, IN2, OUT>(perSubtask(fn), key1, key2) as StreamOperator<unknown>,
      },
      {
        stream: this.first as DataStream<unknown>,
        partitioning: { kind: 'hash', keySelector: key1 as (v: unknown) => KeyType },
      },
      {
        stream: this.second as DataStream<unknown>,
        partitioning: { kind: 'hash', keySelector: key2 as (v: unknown) => KeyType },
      },
    );
  }
}
