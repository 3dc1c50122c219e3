import { SluiceError } from '../errors.ts';
import type { Partitioning, Transformation, TransformationInput } from '../runtime/logical-graph.ts';
import { FilterOperator, FlatMapOperator, MapOperator } from '../runtime/operators/simple-operators.ts';
import { ProcessOperator } from '../runtime/operators/process-operator.ts';
import { SinkOperator } from '../runtime/operators/sink-operator.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import { PrintSink } from '../connectors/print/print-sink.ts';
import type { MapStateDescriptor } from '../state/state-descriptors.ts';
import { BroadcastConnectedStream, BroadcastStream, KeyedBroadcastConnectedStream } from './broadcast-stream.ts';
import { ConnectedStreams, KeyedConnectedStreams } from './connected-streams.ts';
import type { FilterFunction, FlatMapFunction, KeySelector, MapFunction, ProcessFunction } from './functions.ts';
import type { KeyedStream } from './keyed-stream.ts';
import { CoGroupedStreams, JoinedStreams } from './join.ts';
import type { OutputTag } from './output-tag.ts';
import type { Sink } from './sink.ts';
import type { StreamExecutionEnvironment } from './stream-execution-environment.ts';

/** Splits the optional leading name from the function of `map('name', fn)` / `map(fn)`. */
export function nameAndFunction<F>(a: string | F, b: F | undefined, fallback: string): [string, boolean, F] {
  if (typeof a === 'string') {
    if (b === undefined) throw new SluiceError('INVALID_ARGUMENT', `Operator '${a}' needs a function after its name.`);
    return [a, true, b];
  }
  return [fallback, false, a];
}

/**
 * @internal Each subtask gets its own instance of a function object (its prototype is the user's
 * object), so fields assigned in `open()` — state handles, caches — are per subtask, as in Flink
 * where functions are deserialized per subtask.
 */
export function perSubtask<F extends object>(fn: F): F {
  return Object.create(fn) as F;
}

/**
 * @internal KeyedStream extends DataStream, so data-stream.ts cannot import it at runtime (cycle);
 * keyed-stream.ts registers its constructor here when it loads.
 */
export const keyedStreamFactory: {
  create?: <T, K extends KeyType>(
    env: StreamExecutionEnvironment,
    inputs: readonly TransformationInput[],
    node: Transformation | undefined,
    selector: KeySelector<T, K>,
  ) => KeyedStream<T, K>;
} = {};

/** Options of a new one-input operator node. */
export interface OperatorSpec {
  readonly name: string;
  readonly named: boolean;
  readonly stateful: boolean;
  readonly keySelector?: (value: unknown) => KeyType;
  readonly create: () => StreamOperator<unknown>;
  readonly isSink?: boolean;
}

/**
 * A stream of records of type `T` — the central type of the DataStream API. Transformations
 * return new streams; nothing runs until `env.execute()`.
 *
 * @example
 * ```ts
 * env.fromElements(1, 2, 3, 4)
 *   .filter('evens', (n) => n % 2 === 0)
 *   .map('square', (n) => n * n)
 *   .print();
 * ```
 */
export class DataStream<T> {
  /** @internal */
  readonly env: StreamExecutionEnvironment;
  /** @internal The edges a downstream operator of this stream reads from. */
  readonly inputs: readonly TransformationInput[];
  /** @internal The node whose name/uid/parallelism this stream's setters change (none for unions). */
  readonly node: Transformation | undefined;
  declare readonly _type?: T;

  /** @internal */
  constructor(
    env: StreamExecutionEnvironment,
    inputs: readonly TransformationInput[],
    node: Transformation | undefined,
  ) {
    this.env = env;
    this.inputs = inputs;
    this.node = node;
  }

  /** @internal Adds a one-input operator reading this stream. */
  protected addOperator<R>(spec: OperatorSpec, inputs: readonly TransformationInput[] = this.inputs): DataStream<R> {
    const t = this.env.addTransformation({
      kind: 'operator',
      name: spec.name,
      named: spec.named,
      inputs: inputs.map((i) => ({ ...i, inputIndex: 0 })),
      stateful: spec.stateful,
      keySelector: spec.keySelector,
      twoInput: false,
      createOperator: spec.create,
      source: undefined,
      isSink: spec.isSink ?? false,
      maxSourceParallelism: undefined,
    });
    return new DataStream<R>(this.env, [{ upstream: t, partitioning: { kind: 'forward' }, inputIndex: 0 }], t);
  }

  /** Transforms every record. */
  map<R>(fn: MapFunction<T, R>): DataStream<R>;
  map<R>(name: string, fn: MapFunction<T, R>): DataStream<R>;
  map<R>(a: string | MapFunction<T, R>, b?: MapFunction<T, R>): DataStream<R> {
    const [name, named, fn] = nameAndFunction(a, b, 'map');
    return this.addOperator({
      name,
      named,
      stateful: false,
      create: () => new MapOperator(fn) as StreamOperator<unknown>,
    });
  }

  /** Keeps the records for which `fn` returns true. */
  filter(fn: FilterFunction<T>): DataStream<T>;
  filter(name: string, fn: FilterFunction<T>): DataStream<T>;
  filter(a: string | FilterFunction<T>, b?: FilterFunction<T>): DataStream<T> {
    const [name, named, fn] = nameAndFunction(a, b, 'filter');
    return this.addOperator({
      name,
      named,
      stateful: false,
      create: () => new FilterOperator(fn) as StreamOperator<unknown>,
    });
  }

  /** Emits zero or more records per input. */
  flatMap<R>(fn: FlatMapFunction<T, R>): DataStream<R>;
  flatMap<R>(name: string, fn: FlatMapFunction<T, R>): DataStream<R>;
  flatMap<R>(a: string | FlatMapFunction<T, R>, b?: FlatMapFunction<T, R>): DataStream<R> {
    const [name, named, fn] = nameAndFunction(a, b, 'flat-map');
    return this.addOperator({
      name,
      named,
      stateful: false,
      create: () => new FlatMapOperator(fn) as StreamOperator<unknown>,
    });
  }

  /** Low-level processing with side outputs ({@link OutputTag}). */
  process<R>(fn: ProcessFunction<T, R>): DataStream<R>;
  process<R>(name: string, fn: ProcessFunction<T, R>): DataStream<R>;
  process<R>(a: string | ProcessFunction<T, R>, b?: ProcessFunction<T, R>): DataStream<R> {
    const [name, named, fn] = nameAndFunction(a, b, 'process');
    return this.addOperator({
      name,
      named,
      stateful: false,
      create: () => new ProcessOperator(perSubtask(fn)) as StreamOperator<unknown>,
    });
  }

  /**
   * Partitions the stream by key: records with equal keys go to the same subtask, where keyed
   * state and timers are scoped to the key.
   */
  keyBy<K extends KeyType>(selector: KeySelector<T, K>): KeyedStream<T, K> {
    const keySelector = selector as (value: unknown) => KeyType;
    const partitioning: Partitioning = { kind: 'hash', keySelector };
    const create = keyedStreamFactory.create;
    if (create === undefined)
      throw new SluiceError('ILLEGAL_STATE', 'KeyedStream is not loaded; import from @sluice/core.');
    return create<T, K>(
      this.env,
      this.inputs.map((i) => ({ ...i, partitioning })),
      this.node,
      selector,
    );
  }

  /** Distributes records round-robin over the downstream subtasks. */
  rebalance(): DataStream<T> {
    return this.partitioned({ kind: 'rebalance' });
  }

  /** Sends every record to every downstream subtask. */
  broadcast(): DataStream<T>;
  /**
   * A {@link BroadcastStream} with broadcast state: connect it to another stream
   * (`other.connect(broadcastStream)`) whose operator keeps one map per descriptor on every subtask.
   * @example
   * ```ts
   * const rules = new MapStateDescriptor<string, Rule>('rules');
   * txns.keyBy((t) => t.account).connect(ruleUpdates.broadcast(rules)).process('apply-rules', fn);
   * ```
   */
  broadcast(
    ...descriptors: [MapStateDescriptor<unknown, unknown>, ...MapStateDescriptor<unknown, unknown>[]]
  ): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    if (descriptors.length === 0) return this.partitioned({ kind: 'broadcast' });
    return new BroadcastStream<T>(this, descriptors);
  }

  /**
   * Connects this stream with another for a two-input operator: with a {@link BroadcastStream}
   * (broadcast state), with a stream keyed like this one (keyed state shared by both inputs), or
   * with any stream (call `.keyBy(key1, key2)` on the result to key both).
   * @example
   * ```ts
   * orders.keyBy((o) => o.id).connect(payments.keyBy((p) => p.orderId)).process('match-payments', matcher);
   * ```
   */
  connect<B>(
    other: BroadcastStream<B>,
  ): this extends { readonly keySelector: KeySelector<T, infer K> }
    ? KeyedBroadcastConnectedStream<K, T, B>
    : BroadcastConnectedStream<T, B>;
  connect<B, K extends KeyType>(
    other: KeyedStream<B, K>,
  ): this extends { readonly keySelector: KeySelector<T, KeyType> }
    ? KeyedConnectedStreams<T, B, K>
    : ConnectedStreams<T, B>;
  connect<B>(other: DataStream<B>): ConnectedStreams<T, B>;
  connect<B>(target: unknown): unknown {
    const ownKey = (this as { keySelector?: KeySelector<T, KeyType> }).keySelector;
    if (target instanceof BroadcastStream) {
      const other = target as BroadcastStream<B>;
      return ownKey === undefined
        ? new BroadcastConnectedStream<T, B>(this, other)
        : new KeyedBroadcastConnectedStream<KeyType, T, B>(this, ownKey, other);
    }
    const other = target as DataStream<B>;
    const otherKey = (other as { keySelector?: KeySelector<B, KeyType> }).keySelector;
    if (ownKey !== undefined && otherKey !== undefined) {
      return new KeyedConnectedStreams<T, B, KeyType>(this, other, ownKey, otherKey);
    }
    return new ConnectedStreams<T, B>(this, other);
  }

  /** Merges streams of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const o of others) {
      if (o.env !== this.env)
        throw new SluiceError('INVALID_PIPELINE', 'union() needs streams of the same environment.');
    }
    return new DataStream<T>(
      this.env,
      [this, ...others].flatMap((s) => s.inputs),
      undefined,
    );
  }

  /**
   * Window join with `other`: pairs of elements with equal keys in the same window.
   * @example
   * ```ts
   * orders.join(payments).where((o) => o.id).equalTo((p) => p.orderId)
   *   .window(TumblingEventTimeWindows.of(60_000)).apply('paid-orders', (o, p) => ({ ...o, paid: p.amount }));
   * ```
   */
  join<U>(other: DataStream<U>): JoinedStreams<T, U> {
    return new JoinedStreams<T, U>(this, other);
  }

  /**
   * Window coGroup with `other`: per key and window, all elements of both sides (outer joins).
   * @example
   * ```ts
   * a.coGroup(b).where((x) => x.id).equalTo((y) => y.id).window(TumblingEventTimeWindows.of(1_000))
   *   .apply('outer', (xs, ys, out) => out.collect([xs.length, ys.length]));
   * ```
   */
  coGroup<U>(other: DataStream<U>): CoGroupedStreams<T, U> {
    return new CoGroupedStreams<T, U>(this, other);
  }

  /** The records a process function emitted to `tag`. */
  getSideOutput<S>(tag: OutputTag<S>): DataStream<S> {
    const node = this.requireNode('getSideOutput');
    return new DataStream<S>(
      this.env,
      [{ upstream: node, partitioning: { kind: 'forward' }, sideOutputTag: tag.id, inputIndex: 0 }],
      undefined,
    );
  }

  /** Writes the stream to a sink. */
  sinkTo(sink: Sink<T>, name = 'sink'): DataStreamSink {
    const stream = this.addOperator<never>({
      name,
      named: true,
      stateful: false,
      isSink: true,
      create: () => new SinkOperator<T>(sink) as StreamOperator<unknown>,
    });
    return new DataStreamSink(stream.node as Transformation);
  }

  /** Prints every record to stdout (with `prefix` and the subtask when parallel). */
  print(prefix?: string): DataStreamSink {
    return this.sinkTo(new PrintSink<T>(prefix), prefix === undefined ? 'print' : `print-${prefix}`);
  }

  /** Sets the stable id that keys this operator's state in checkpoints and savepoints. */
  uid(uid: string): this {
    this.requireNode('uid').uid = uid;
    return this;
  }

  /** Sets the display name (also the uid when no uid is set). */
  name(name: string): this {
    const node = this.requireNode('name');
    node.name = name;
    node.named = true;
    return this;
  }

  /** Sets this operator's parallelism. */
  setParallelism(parallelism: number): this {
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new SluiceError('INVALID_ARGUMENT', `parallelism must be an integer >= 1; got ${parallelism}`);
    }
    this.requireNode('setParallelism').parallelism = parallelism;
    return this;
  }

  private partitioned(partitioning: Partitioning): DataStream<T> {
    return new DataStream<T>(
      this.env,
      this.inputs.map((i) => ({ ...i, partitioning })),
      this.node,
    );
  }

  private requireNode(method: string): Transformation {
    if (this.node === undefined || this.inputs.some((i) => i.sideOutputTag !== undefined)) {
      throw new SluiceError(
        'INVALID_PIPELINE',
        `${method}() applies to an operator; this stream is a union or side output. Call it on the operator that produced the stream.`,
      );
    }
    return this.node;
  }
}

/** The end of a pipeline; lets you name the sink and set its parallelism. */
export class DataStreamSink {
  private readonly node: Transformation;
  /** @internal */
  constructor(node: Transformation) {
    this.node = node;
  }
  uid(uid: string): this {
    this.node.uid = uid;
    return this;
  }
  name(name: string): this {
    this.node.name = name;
    this.node.named = true;
    return this;
  }
  setParallelism(parallelism: number): this {
    this.node.parallelism = parallelism;
    return this;
  }
}
