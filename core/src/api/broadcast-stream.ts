import { SluiceError } from '../errors.ts';
import { BroadcastProcessOperator } from '../runtime/operators/broadcast-process-operator.ts';
import { KeyedBroadcastProcessOperator } from '../runtime/operators/keyed-broadcast-process-operator.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import type { MapStateDescriptor } from '../state/state-descriptors.ts';
import type { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from './broadcast-functions.ts';
import { type DataStream, nameAndFunction, perSubtask } from './data-stream.ts';
import type { KeySelector } from './functions.ts';
import { addOperatorNode } from './operator-node.ts';

/**
 * A stream whose every record goes to every subtask of the operator it is connected to, with the
 * broadcast state declared by its descriptors (from `stream.broadcast(descriptor, ...)`). It is not
 * a DataStream: its only use is `other.connect(broadcastStream)`.
 *
 * @example
 * ```ts
 * const rules = new MapStateDescriptor<string, Rule>('rules');
 * const ruleStream = env.fromElements(rule1, rule2).broadcast(rules);
 * txns.keyBy((t) => t.account).connect(ruleStream).process('apply-rules', checkRules);
 * ```
 */
export class BroadcastStream<T> {
  /** The stream being broadcast. */
  readonly stream: DataStream<T>;
  /** The broadcast states operators connected to this stream may use. */
  readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[];

  /** @internal Use `stream.broadcast(descriptor, ...)`. */
  constructor(stream: DataStream<T>, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    if (descriptors.length === 0) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        'broadcast(...) needs at least one MapStateDescriptor for the broadcast state.',
      );
    }
    const names = new Set<string>();
    for (const d of descriptors) {
      if (names.has(d.name))
        throw new SluiceError('INVALID_ARGUMENT', `broadcast(...) got two descriptors named '${d.name}'.`);
      names.add(d.name);
    }
    this.stream = stream;
    this.descriptors = descriptors;
  }
}

function checkSameEnv(a: DataStream<unknown>, b: BroadcastStream<unknown>): void {
  if (a.env !== b.stream.env) {
    throw new SluiceError('INVALID_PIPELINE', 'connect() needs a broadcast stream of the same environment.');
  }
}

/**
 * A non-keyed stream connected to a {@link BroadcastStream} (from `stream.connect(broadcastStream)`).
 *
 * @example
 * ```ts
 * const limits = new MapStateDescriptor<string, number>('limits');
 * events.connect(limitUpdates.broadcast(limits)).process<Evt>('apply-limits', {
 *   processElement(e, ctx, out) { if (e.value <= (ctx.getBroadcastState(limits).get('max') ?? Infinity)) out.collect(e); },
 *   processBroadcastElement(max, ctx) { ctx.getBroadcastState(limits).put('max', max); },
 * });
 * ```
 */
export class BroadcastConnectedStream<IN1, IN2> {
  readonly nonBroadcast: DataStream<IN1>;
  readonly broadcast: BroadcastStream<IN2>;

  /** @internal Use `stream.connect(broadcastStream)`. */
  constructor(nonBroadcast: DataStream<IN1>, broadcast: BroadcastStream<IN2>) {
    checkSameEnv(nonBroadcast as DataStream<unknown>, broadcast as BroadcastStream<unknown>);
    this.nonBroadcast = nonBroadcast;
    this.broadcast = broadcast;
  }

  /** Processes both inputs with one {@link BroadcastProcessFunction}. Stateful: give it a stable name. */
  process<OUT>(fn: BroadcastProcessFunction<IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(name: string, fn: BroadcastProcessFunction<IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(
    a: string | BroadcastProcessFunction<IN1, IN2, OUT>,
    b?: BroadcastProcessFunction<IN1, IN2, OUT>,
  ): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'broadcast-process');
    const descriptors = this.broadcast.descriptors;
    return addOperatorNode<OUT>(
      {
        name,
        named,
        stateful: true,
        create: () =>
          new BroadcastProcessOperator<IN1, IN2, OUT>(perSubtask(fn), descriptors) as StreamOperator<unknown>,
      },
      { stream: this.nonBroadcast as DataStream<unknown> },
      { stream: this.broadcast.stream as DataStream<unknown>, partitioning: { kind: 'broadcast' } },
    );
  }
}

/**
 * A keyed stream connected to a {@link BroadcastStream} (from `keyed.connect(broadcastStream)`):
 * processed by a {@link KeyedBroadcastProcessFunction} with keyed state and timers.
 *
 * @example
 * ```ts
 * const rules = new MapStateDescriptor<string, number>('rules');
 * txns.keyBy((t) => t.account).connect(limits.broadcast(rules)).process<string>('check', {
 *   processElement(t, ctx, out) { if (t.amount > (ctx.getBroadcastState(rules).get('limit') ?? Infinity)) out.collect(t.account); },
 *   processBroadcastElement(limit, ctx) { ctx.getBroadcastState(rules).put('limit', limit); },
 * });
 * ```
 */
export class KeyedBroadcastConnectedStream<K extends KeyType, IN1, IN2> {
  readonly keyed: DataStream<IN1>;
  readonly keySelector: KeySelector<IN1, K>;
  readonly broadcast: BroadcastStream<IN2>;

  /** @internal Use `keyed.connect(broadcastStream)`. */
  constructor(keyed: DataStream<IN1>, keySelector: KeySelector<IN1, K>, broadcast: BroadcastStream<IN2>) {
    checkSameEnv(keyed as DataStream<unknown>, broadcast as BroadcastStream<unknown>);
    this.keyed = keyed;
    this.keySelector = keySelector;
    this.broadcast = broadcast;
  }

  /** Processes both inputs with one {@link KeyedBroadcastProcessFunction}. Stateful: give it a stable name. */
  process<OUT>(fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(name: string, fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>): DataStream<OUT>;
  process<OUT>(
    a: string | KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
    b?: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
  ): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'keyed-broadcast-process');
    const descriptors = this.broadcast.descriptors;
    const key = this.keySelector as (value: unknown) => KeyType;
    return addOperatorNode<OUT>(
      {
        name,
        named,
        stateful: true,
        keySelector: key,
        create: () =>
          new KeyedBroadcastProcessOperator<K, IN1, IN2, OUT>(
            perSubtask(fn),
            this.keySelector,
            descriptors,
          ) as StreamOperator<unknown>,
      },
      { stream: this.keyed as DataStream<unknown>, partitioning: { kind: 'hash', keySelector: key } },
      { stream: this.broadcast.stream as DataStream<unknown>, partitioning: { kind: 'broadcast' } },
    );
  }
}
