import { SluiceError } from '../errors.ts';
import type { Transformation, TransformationInput } from '../runtime/logical-graph.ts';
import { KeyedAggregateOperator } from '../runtime/operators/keyed-reduce-operator.ts';
import { KeyedProcessOperator } from '../runtime/operators/keyed-process-operator.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';
import { DataStream, keyedStreamFactory, nameAndFunction, perSubtask } from './data-stream.ts';
import type { AggregateFunction, KeyedProcessFunction, KeySelector, ReduceFunction } from './functions.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { GlobalWindow } from '../windowing/windows/global-window.ts';
import type { Window } from '../windowing/windows/window.ts';
import { WindowedStream, countWindowOf } from './windowed-stream.ts';
import { IntervalJoin } from './interval-join.ts';

/**
 * A stream partitioned by key (from {@link DataStream.keyBy}). Operators applied to it see keyed
 * state and timers scoped to the current record's key. Stateful operators need a stable name.
 *
 * @example
 * ```ts
 * txns.keyBy((t) => t.accountId)
 *   .reduce('total-per-account', (a, b) => ({ ...b, amount: a.amount + b.amount }))
 *   .print();
 * ```
 */
export class KeyedStream<T, K extends KeyType> extends DataStream<T> {
  /** The key selector this stream is partitioned by. */
  readonly keySelector: KeySelector<T, K>;

  /** @internal */
  constructor(
    env: StreamExecutionEnvironment,
    inputs: readonly TransformationInput[],
    node: Transformation | undefined,
    keySelector: KeySelector<T, K>,
  ) {
    super(env, inputs, node);
    this.keySelector = keySelector;
  }

  /** @internal Adds a keyed, stateful operator reading this stream. */
  addKeyedOperator<R>(name: string, named: boolean, create: () => StreamOperator<unknown>): DataStream<R> {
    return this.addOperator<R>({
      name,
      named,
      stateful: true,
      keySelector: this.keySelector as (value: unknown) => KeyType,
      create,
    });
  }

  /** Processes each record with keyed state and event/processing-time timers. */
  override process<R>(fn: KeyedProcessFunction<K, T, R>): DataStream<R>;
  override process<R>(name: string, fn: KeyedProcessFunction<K, T, R>): DataStream<R>;
  override process<R>(a: string | KeyedProcessFunction<K, T, R>, b?: KeyedProcessFunction<K, T, R>): DataStream<R> {
    const [name, named, fn] = nameAndFunction(a, b, 'keyed-process');
    return this.addKeyedOperator<R>(
      name,
      named,
      () => new KeyedProcessOperator<K, T, R>(perSubtask(fn), this.keySelector) as StreamOperator<unknown>,
    );
  }

  /** Rolling reduce per key: emits the running result for every record. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce(name: string, fn: ReduceFunction<T>): DataStream<T>;
  reduce(a: string | ReduceFunction<T>, b?: ReduceFunction<T>): DataStream<T> {
    const [name, named, reduce] = nameAndFunction(a, b, 'reduce');
    const asAggregate: AggregateFunction<T, T | undefined, T> = {
      createAccumulator: () => undefined,
      add: (value, acc) => (acc === undefined ? value : reduce(acc, value)),
      getResult: (acc) => acc as T,
    };
    return this.aggregate(name, asAggregate, named);
  }

  /** Rolling aggregation per key: emits the current result for every record. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): DataStream<R>;
  aggregate<ACC, R>(name: string, fn: AggregateFunction<T, ACC, R>): DataStream<R>;
  /** @internal */
  aggregate<ACC, R>(name: string, fn: AggregateFunction<T, ACC, R>, named: boolean): DataStream<R>;
  aggregate<ACC, R>(
    a: string | AggregateFunction<T, ACC, R>,
    b?: AggregateFunction<T, ACC, R>,
    named?: boolean,
  ): DataStream<R> {
    const [name, isNamed, fn] = nameAndFunction(a, b, 'aggregate');
    return this.addKeyedOperator<R>(
      name,
      named ?? isNamed,
      () => new KeyedAggregateOperator<K, T, ACC, R>(fn, this.keySelector) as StreamOperator<unknown>,
    );
  }

  /**
   * Starts an interval join with another stream keyed by the same kind of key (event time only):
   * `.between(lowerMs, upperMs)` then `.process(name, fn)`.
   * @example
   * ```ts
   * clicks.keyBy((c) => c.user).intervalJoin(views.keyBy((v) => v.user)).between(-5_000, 0).process('click-after-view', join);
   * ```
   */
  intervalJoin<R>(other: KeyedStream<R, K>): IntervalJoin<T, R, K> {
    return new IntervalJoin<T, R, K>(this, other);
  }

  /**
   * Groups each key's records into windows (tumbling, sliding, session, global) for a windowed
   * `reduce`, `aggregate` or `process`.
   * @example
   * ```ts
   * keyed.window(TumblingEventTimeWindows.of(60_000)).reduce('per-minute', (a, b) => a + b);
   * ```
   */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return new WindowedStream<T, K, W>(this, assigner);
  }

  /**
   * Count windows: every `size` records of a key (tumbling), or with `slide` every `slide` records
   * over the last `size` (sliding). A partial window at end of input does not fire (as in Flink).
   * @example
   * ```ts
   * keyed.countWindow(100).aggregate('avg-of-100', average);
   * ```
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    return countWindowOf(this, size, slide);
  }

  /** A KeyedStream is already partitioned: re-keying it is a pipeline error. */
  override keyBy(): never {
    throw new SluiceError(
      'INVALID_PIPELINE',
      'keyBy() on a KeyedStream: the stream is already partitioned by key. To key by something else, ' +
        'transform it first (e.g. .map(...)) and call keyBy on the resulting DataStream, or use a composite key.',
    );
  }

  /** A KeyedStream cannot be re-partitioned. */
  override rebalance(): never {
    throw new SluiceError(
      'INVALID_PIPELINE',
      'rebalance() on a KeyedStream would break key partitioning; apply an operator first (e.g. .map(...)).',
    );
  }

  /** A KeyedStream cannot be re-partitioned. */
  override broadcast(): never {
    throw new SluiceError(
      'INVALID_PIPELINE',
      'broadcast() on a KeyedStream would break key partitioning; apply an operator first (e.g. .map(...)).',
    );
  }
}

keyedStreamFactory.create = (env, inputs, node, selector) => new KeyedStream(env, inputs, node, selector);
