import { SluiceError } from '../errors.ts';
import type { KeyType } from '../state/key-groups.ts';
import type { WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import type { Evictor } from '../windowing/evictors/evictor.ts';
import type { ProcessWindowFunction } from '../windowing/process-window-function.ts';
import type { Trigger } from '../windowing/triggers/trigger.ts';
import type { Window } from '../windowing/windows/window.ts';
import type { DataStream } from './data-stream.ts';
import type { Collector, KeySelector } from './functions.ts';

/**
 * An element of either input of a window join or coGroup, with its key: what the window
 * assigner, trigger and evictor of a join see (side 0 = left, 1 = right).
 *
 * @example
 * ```ts
 * const gapOf = (u: TaggedUnion<Order, Payment>) => (u.side === 0 ? 60_000 : 30_000);
 * orders.join(payments).where((o) => o.id).equalTo((p) => p.orderId).window(EventTimeSessionWindows.withDynamicGap(gapOf));
 * ```
 */
export interface TaggedUnion<A, B> {
  readonly key: KeyType;
  readonly side: 0 | 1;
  readonly value: A | B;
}

/**
 * Combines one left and one right element with equal keys in the same window.
 * @example
 * ```ts
 * const paid: JoinFunction<Order, Payment, PaidOrder> = (o, p) => ({ ...o, paidAt: p.t });
 * ```
 */
export type JoinFunction<A, B, OUT> = (left: A, right: B) => OUT;

/**
 * Gets all left and all right elements of one key and window (either may be empty).
 * @example
 * ```ts
 * const unpaid: CoGroupFunction<Order, Payment, Order> = (orders, payments, out) => {
 *   if (payments.length === 0) for (const o of orders) out.collect(o);
 * };
 * ```
 */
export type CoGroupFunction<A, B, OUT> = (left: readonly A[], right: readonly B[], out: Collector<OUT>) => void;

interface CoGroupSpec<A, B, K extends KeyType> {
  readonly left: DataStream<A>;
  readonly right: DataStream<B>;
  readonly keyA: KeySelector<A, K>;
  readonly keyB: KeySelector<B, K>;
}

function splitName<F>(a: string | F, b: F | undefined, fallback: string): [string, boolean, F] {
  if (typeof a === 'string') {
    if (b === undefined) throw new SluiceError('INVALID_ARGUMENT', `Operator '${a}' needs a function after its name.`);
    return [a, true, b];
  }
  return [fallback, false, a];
}

/**
 * A windowed coGroup of two streams, from `a.coGroup(b).where(...).equalTo(...).window(...)`:
 * per key and window, `apply`'s function gets all elements of both sides. Built as Flink builds
 * it: both inputs tagged and unioned, keyed by the key, windowed, grouped by side.
 *
 * @example
 * ```ts
 * clicks.coGroup(views)
 *   .where((c) => c.user).equalTo((v) => v.user)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .apply('click-through', (cs, vs, out) => out.collect({ clicks: cs.length, views: vs.length }));
 * ```
 */
export class WindowedCoGroup<A, B, K extends KeyType, W extends Window> {
  private readonly spec: CoGroupSpec<A, B, K>;
  private readonly assigner: WindowAssigner<TaggedUnion<A, B>, W>;
  private windowTrigger: Trigger<TaggedUnion<A, B>, W> | undefined;
  private windowEvictor: Evictor<TaggedUnion<A, B>, W> | undefined;
  private lateness = 0;

  /** @internal */
  constructor(spec: CoGroupSpec<A, B, K>, assigner: WindowAssigner<TaggedUnion<A, B>, W>) {
    this.spec = spec;
    this.assigner = assigner;
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<TaggedUnion<A, B>, W>): this {
    this.windowTrigger = trigger;
    return this;
  }

  /** Evicts elements of both sides when the window fires. */
  evictor(evictor: Evictor<TaggedUnion<A, B>, W>): this {
    this.windowEvictor = evictor;
    return this;
  }

  /** Keeps windows `ms` past their end for late elements (see WindowedStream.allowedLateness). */
  allowedLateness(ms: number): this {
    this.lateness = ms;
    return this;
  }

  /** Evaluates every key and window with the elements of both sides. */
  apply<R>(fn: CoGroupFunction<A, B, R>): DataStream<R>;
  apply<R>(name: string, fn: CoGroupFunction<A, B, R>): DataStream<R>;
  apply<R>(a: string | CoGroupFunction<A, B, R>, b?: CoGroupFunction<A, B, R>): DataStream<R> {
    const [name, named, fn] = splitName(a, b, 'window-co-group');
    return this.build(name, named, fn);
  }

  /** @internal */
  build<R>(name: string, named: boolean, fn: CoGroupFunction<A, B, R>): DataStream<R> {
    const { left, right, keyA, keyB } = this.spec;
    const toLeft = (value: A): TaggedUnion<A, B> => ({ key: keyA(value), side: 0, value });
    const toRight = (value: B): TaggedUnion<A, B> => ({ key: keyB(value), side: 1, value });
    const taggedLeft = named ? left.map(`${name}-tag-left`, toLeft) : left.map(toLeft);
    const taggedRight = named ? right.map(`${name}-tag-right`, toRight) : right.map(toRight);
    const windowed = taggedLeft
      .union(taggedRight)
      .keyBy((u) => u.key)
      .window(this.assigner);
    if (this.windowTrigger !== undefined) windowed.trigger(this.windowTrigger);
    if (this.windowEvictor !== undefined) windowed.evictor(this.windowEvictor);
    windowed.allowedLateness(this.lateness);
    const perWindow: ProcessWindowFunction<TaggedUnion<A, B>, R, KeyType, W> = {
      process(_key, _ctx, elements, out) {
        const lefts: A[] = [];
        const rights: B[] = [];
        for (const e of elements) {
          if (e.side === 0) lefts.push(e.value as A);
          else rights.push(e.value as B);
        }
        fn(lefts, rights, out);
      },
    };
    return named ? windowed.process(name, perWindow) : windowed.process(perWindow);
  }
}

/**
 * A window join of two streams, from `a.join(b).where(...).equalTo(...).window(...)`: for every
 * key and window, every pair of a left and a right element (an inner join), each result stamped
 * with the window's max timestamp.
 *
 * @example
 * ```ts
 * orders.join(payments)
 *   .where((o) => o.id).equalTo((p) => p.orderId)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .apply('paid-orders', (o, p) => ({ ...o, paidAt: p.time }));
 * ```
 */
export class WindowedJoin<A, B, K extends KeyType, W extends Window> {
  private readonly coGroup: WindowedCoGroup<A, B, K, W>;

  /** @internal */
  constructor(coGroup: WindowedCoGroup<A, B, K, W>) {
    this.coGroup = coGroup;
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<TaggedUnion<A, B>, W>): this {
    this.coGroup.trigger(trigger);
    return this;
  }

  /** Evicts elements of both sides when the window fires. */
  evictor(evictor: Evictor<TaggedUnion<A, B>, W>): this {
    this.coGroup.evictor(evictor);
    return this;
  }

  /** Keeps windows `ms` past their end for late elements. */
  allowedLateness(ms: number): this {
    this.coGroup.allowedLateness(ms);
    return this;
  }

  /** Emits `fn(left, right)` for every pair with equal keys in the same window. */
  apply<R>(fn: JoinFunction<A, B, R>): DataStream<R>;
  apply<R>(name: string, fn: JoinFunction<A, B, R>): DataStream<R>;
  apply<R>(a: string | JoinFunction<A, B, R>, b?: JoinFunction<A, B, R>): DataStream<R> {
    const [name, named, fn] = splitName(a, b, 'window-join');
    return this.coGroup.build<R>(name, named, (lefts, rights, out) => {
      for (const l of lefts) for (const r of rights) out.collect(fn(l, r));
    });
  }
}

type Windowed<M extends 'join' | 'coGroup', A, B, K extends KeyType, W extends Window> = M extends 'join'
  ? WindowedJoin<A, B, K, W>
  : WindowedCoGroup<A, B, K, W>;

/**
 * Step of a join or coGroup with both keys known: choose the windows.
 *
 * @example
 * ```ts
 * a.join(b).where((x) => x.id).equalTo((y) => y.id).window(TumblingEventTimeWindows.of(1_000));
 * ```
 */
export class JoinEqualTo<A, B, K extends KeyType, M extends 'join' | 'coGroup'> {
  private readonly spec: CoGroupSpec<A, B, K>;
  private readonly mode: M;

  /** @internal */
  constructor(spec: CoGroupSpec<A, B, K>, mode: M) {
    this.spec = spec;
    this.mode = mode;
  }

  /** The windows in which elements of both sides meet. */
  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<A, B>, W>): Windowed<M, A, B, K, W> {
    const coGroup = new WindowedCoGroup<A, B, K, W>(this.spec, assigner);
    return (this.mode === 'join' ? new WindowedJoin(coGroup) : coGroup) as Windowed<M, A, B, K, W>;
  }
}

/**
 * Step of a join or coGroup with the left key known: give the right key.
 *
 * @example
 * ```ts
 * a.join(b).where((x) => x.id).equalTo((y) => y.id);
 * ```
 */
export class JoinWhere<A, B, K extends KeyType, M extends 'join' | 'coGroup'> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;
  private readonly keyA: KeySelector<A, K>;
  private readonly mode: M;

  /** @internal */
  constructor(left: DataStream<A>, right: DataStream<B>, keyA: KeySelector<A, K>, mode: M) {
    this.left = left;
    this.right = right;
    this.keyA = keyA;
    this.mode = mode;
  }

  /** The key of the right stream's elements; must equal the left key for elements to meet. */
  equalTo(keyB: KeySelector<B, K>): JoinEqualTo<A, B, K, M> {
    return new JoinEqualTo({ left: this.left, right: this.right, keyA: this.keyA, keyB }, this.mode);
  }
}

/**
 * Start of a window join (`a.join(b)`): choose the left key with `where`.
 *
 * @example
 * ```ts
 * const joined: JoinedStreams<Order, Payment> = orders.join(payments);
 * joined.where((o) => o.id).equalTo((p) => p.orderId).window(TumblingEventTimeWindows.of(60_000)).apply('j', (o, p) => [o, p]);
 * ```
 */
export class JoinedStreams<A, B> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;

  /** @internal Use `a.join(b)`. */
  constructor(left: DataStream<A>, right: DataStream<B>) {
    if (left.env !== right.env)
      throw new SluiceError('INVALID_PIPELINE', 'join() needs streams of the same environment.');
    this.left = left;
    this.right = right;
  }

  /** The key of the left stream's elements. */
  where<K extends KeyType>(keyA: KeySelector<A, K>): JoinWhere<A, B, K, 'join'> {
    return new JoinWhere(this.left, this.right, keyA, 'join');
  }
}

/**
 * Start of a window coGroup (`a.coGroup(b)`): choose the left key with `where`.
 *
 * @example
 * ```ts
 * a.coGroup(b).where((x) => x.id).equalTo((y) => y.id).window(TumblingEventTimeWindows.of(1_000))
 *   .apply('outer', (xs, ys, out) => out.collect([xs.length, ys.length]));
 * ```
 */
export class CoGroupedStreams<A, B> {
  private readonly left: DataStream<A>;
  private readonly right: DataStream<B>;

  /** @internal Use `a.coGroup(b)`. */
  constructor(left: DataStream<A>, right: DataStream<B>) {
    if (left.env !== right.env)
      throw new SluiceError('INVALID_PIPELINE', 'coGroup() needs streams of the same environment.');
    this.left = left;
    this.right = right;
  }

  /** The key of the left stream's elements. */
  where<K extends KeyType>(keyA: KeySelector<A, K>): JoinWhere<A, B, K, 'coGroup'> {
    return new JoinWhere(this.left, this.right, keyA, 'coGroup');
  }
}
