import { SluiceError } from '../errors.ts';
import { IntervalJoinOperator } from '../runtime/operators/interval-join-operator.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import type { Timestamp } from '../time/timestamps.ts';
import { type DataStream, nameAndFunction, perSubtask } from './data-stream.ts';
import type { Collector, KeyedRuntimeContext, KeySelector } from './functions.ts';
import { addOperatorNode } from './operator-node.ts';
import type { OutputTag } from './output-tag.ts';

/**
 * Context of {@link ProcessJoinFunction.processElement}: the timestamps of the joined pair.
 * @example
 * ```ts
 * processElement(click, view, ctx, out) { out.collect({ ...click, delayMs: ctx.getLeftTimestamp() - ctx.getRightTimestamp() }); }
 * ```
 */
export interface ProcessJoinContext {
  getLeftTimestamp(): Timestamp;
  getRightTimestamp(): Timestamp;
  /** The timestamp of the output: the larger of the two. */
  getTimestamp(): Timestamp;
  currentWatermark(): Timestamp;
  /** Emits to a side output. */
  output<S>(tag: OutputTag<S>, value: S): void;
}

/**
 * Receives every pair of an interval join (Flink's `ProcessJoinFunction`); the output record's
 * timestamp is the larger of the pair's timestamps.
 *
 * @example
 * ```ts
 * const join: ProcessJoinFunction<Click, Impression, string> = {
 *   processElement: (click, impression, _ctx, out) => out.collect(`${impression.ad} clicked by ${click.user}`),
 * };
 * ```
 */
export interface ProcessJoinFunction<L, R, OUT> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>): void;
  close?(): void;
}

/** The keyed inputs of an interval join; only the selectors and streams are needed. */
interface KeyedInput<T, K extends KeyType> extends DataStream<T> {
  readonly keySelector: KeySelector<T, K>;
}

/**
 * The first step of an interval join (from `keyed.intervalJoin(otherKeyed)`): choose the interval.
 *
 * @example
 * ```ts
 * clicks.keyBy((c) => c.user)
 *   .intervalJoin(views.keyBy((v) => v.user))
 *   .between(-5_000, 0) // a view up to 5 s before the click
 *   .process('click-after-view', join);
 * ```
 */
export class IntervalJoin<L, R, K extends KeyType> {
  private readonly left: KeyedInput<L, K>;
  private readonly right: KeyedInput<R, K>;

  /** @internal Use `keyed.intervalJoin(otherKeyed)`. */
  constructor(left: KeyedInput<L, K>, right: KeyedInput<R, K>) {
    if (left.env !== right.env) {
      throw new SluiceError('INVALID_PIPELINE', 'intervalJoin() needs two streams of the same environment.');
    }
    this.left = left;
    this.right = right;
  }

  /**
   * Joins a left record at `t` with the right records whose timestamps are in
   * `[t + lowerMs, t + upperMs]` (both bounds inclusive unless made exclusive).
   */
  between(lowerMs: number, upperMs: number): IntervalJoined<L, R, K> {
    if (!Number.isFinite(lowerMs) || !Number.isFinite(upperMs) || lowerMs > upperMs) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `between(lower, upper) needs finite bounds with lower <= upper; got (${lowerMs}, ${upperMs}).`,
      );
    }
    return new IntervalJoined<L, R, K>(this.left, this.right, lowerMs, upperMs);
  }
}

/**
 * An interval join with its bounds: optionally make a bound exclusive or route late records to a
 * side output, then `process(name, fn)`. Event time only; the join buffers both sides in keyed state
 * until the watermark passes the interval.
 *
 * @example
 * ```ts
 * const lateClicks = new OutputTag<Click>('late-clicks');
 * const joined = clicks.keyBy((c) => c.user).intervalJoin(views.keyBy((v) => v.user))
 *   .between(-5_000, 0).upperBoundExclusive()
 *   .sideOutputLeftLateData(lateClicks)
 *   .process('click-after-view', join);
 * joined.getSideOutput(lateClicks).print('late');
 * ```
 */
export class IntervalJoined<L, R, K extends KeyType> {
  private readonly left: KeyedInput<L, K>;
  private readonly right: KeyedInput<R, K>;
  private readonly lower: number;
  private readonly upper: number;
  private lowerExclusive = false;
  private upperExclusive = false;
  private leftLateTag: string | undefined;
  private rightLateTag: string | undefined;

  /** @internal */
  constructor(left: KeyedInput<L, K>, right: KeyedInput<R, K>, lower: number, upper: number) {
    this.left = left;
    this.right = right;
    this.lower = lower;
    this.upper = upper;
  }

  /** Excludes `t + lower` itself. */
  lowerBoundExclusive(): this {
    this.lowerExclusive = true;
    return this;
  }

  /** Excludes `t + upper` itself. */
  upperBoundExclusive(): this {
    this.upperExclusive = true;
    return this;
  }

  /** Left records behind the watermark go to `tag` instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<L>): this {
    this.leftLateTag = tag.id;
    return this;
  }

  /** Right records behind the watermark go to `tag` instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<R>): this {
    this.rightLateTag = tag.id;
    return this;
  }

  /** Emits the pairs through `fn`. Stateful (the buffers): give it a stable name. */
  process<OUT>(fn: ProcessJoinFunction<L, R, OUT>): DataStream<OUT>;
  process<OUT>(name: string, fn: ProcessJoinFunction<L, R, OUT>): DataStream<OUT>;
  process<OUT>(a: string | ProcessJoinFunction<L, R, OUT>, b?: ProcessJoinFunction<L, R, OUT>): DataStream<OUT> {
    const [name, named, fn] = nameAndFunction(a, b, 'interval-join');
    const lower = this.lowerExclusive ? this.lower + 1 : this.lower;
    const upper = this.upperExclusive ? this.upper - 1 : this.upper;
    if (lower > upper) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Interval join '${name}': with exclusive bounds the interval [${this.lower}, ${this.upper}] is empty; widen it.`,
      );
    }
    const spec = { lower, upper, leftLateTag: this.leftLateTag, rightLateTag: this.rightLateTag };
    const leftKey = this.left.keySelector;
    const rightKey = this.right.keySelector;
    return addOperatorNode<OUT>(
      {
        name,
        named,
        stateful: true,
        keySelector: leftKey as (value: unknown) => KeyType,
        create: () =>
          new IntervalJoinOperator<K, L, R, OUT>(perSubtask(fn), spec, leftKey, rightKey) as StreamOperator<unknown>,
      },
      {
        stream: this.left as unknown as DataStream<unknown>,
        partitioning: { kind: 'hash', keySelector: leftKey as (v: unknown) => KeyType },
      },
      {
        stream: this.right as unknown as DataStream<unknown>,
        partitioning: { kind: 'hash', keySelector: rightKey as (v: unknown) => KeyType },
      },
    );
  }
}
