import { SluiceError } from '../errors.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import { WindowOperator } from '../runtime/operators/window-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import { GlobalWindows } from '../windowing/assigners/global-windows.ts';
import { isMergingWindowAssigner, type WindowAssigner } from '../windowing/assigners/window-assigner.ts';
import { CountEvictor } from '../windowing/evictors/count-evictor.ts';
import type { Evictor } from '../windowing/evictors/evictor.ts';
import {
  AggregateContents,
  EvictingContents,
  ListContents,
  ReduceContents,
  type WindowContents,
} from '../windowing/internal/window-contents.ts';
import type { ProcessWindowFunction } from '../windowing/process-window-function.ts';
import { CountTrigger } from '../windowing/triggers/count-trigger.ts';
import { PurgingTrigger } from '../windowing/triggers/purging-trigger.ts';
import type { Trigger } from '../windowing/triggers/trigger.ts';
import type { GlobalWindow } from '../windowing/windows/global-window.ts';
import type { Window } from '../windowing/windows/window.ts';
import { type DataStream, nameAndFunction, perSubtask } from './data-stream.ts';
import type { AggregateFunction, ReduceFunction } from './functions.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { OutputTag } from './output-tag.ts';

/**
 * A keyed stream cut into windows (from {@link KeyedStream.window} or
 * {@link KeyedStream.countWindow}). Purely a builder: configure the trigger, evictor, allowed
 * lateness and late-data side output, then finish with `reduce`, `aggregate` or `process`, which
 * add the (stateful, hence named) window operator.
 *
 * @example
 * ```ts
 * const late = new OutputTag<Txn>('late-txns');
 * const totals = txns
 *   .keyBy((t) => t.account)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .allowedLateness(10_000)
 *   .sideOutputLateData(late)
 *   .reduce('total-per-minute', (a, b) => ({ ...a, amount: a.amount + b.amount }));
 * totals.getSideOutput(late).print('late');
 * ```
 */
export class WindowedStream<T, K extends KeyType, W extends Window> {
  private readonly input: KeyedStream<T, K>;
  private readonly assigner: WindowAssigner<T, W>;
  private windowTrigger: Trigger<T, W>;
  private windowEvictor: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;

  /** @internal Use `keyedStream.window(assigner)`. */
  constructor(input: KeyedStream<T, K>, assigner: WindowAssigner<T, W>) {
    this.input = input;
    this.assigner = assigner;
    this.windowTrigger = assigner.getDefaultTrigger();
  }

  /** Replaces the assigner's default trigger (session windows need one that can merge). */
  trigger(trigger: Trigger<T, W>): this {
    if (isMergingWindowAssigner(this.assigner) && trigger.canMerge?.() !== true) {
      throw new SluiceError(
        'INVALID_PIPELINE',
        `Trigger ${String(trigger)} cannot be used with the merging assigner ${String(this.assigner)}: ` +
          'session windows merge, so the trigger must implement canMerge() { return true } and onMerge(...).',
      );
    }
    this.windowTrigger = trigger;
    return this;
  }

  /** Removes elements when the window fires; the window then keeps all its elements (no incremental aggregation). */
  evictor(evictor: Evictor<T, W>): this {
    this.windowEvictor = evictor;
    return this;
  }

  /**
   * Keeps event-time windows `ms` past their end: a late element within that bound is added and
   * fires the window again; later ones are dropped (or sent to {@link sideOutputLateData}).
   */
  allowedLateness(ms: number): this {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new SluiceError('INVALID_ARGUMENT', `allowedLateness must be a finite number of ms >= 0; got ${ms}.`);
    }
    this.lateness = ms;
    return this;
  }

  /** Sends elements that arrive after their windows were cleaned up to the side output `tag`. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag;
    return this;
  }

  /** Reduces each window incrementally and emits the result when it fires. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce(name: string, fn: ReduceFunction<T>): DataStream<T>;
  /** Reduces each window incrementally and hands the result to `windowFn` (with key and window) when it fires. */
  reduce<R>(fn: ReduceFunction<T>, windowFn: ProcessWindowFunction<T, R, K, W>): DataStream<R>;
  reduce<R>(name: string, fn: ReduceFunction<T>, windowFn: ProcessWindowFunction<T, R, K, W>): DataStream<R>;
  reduce<R>(
    a: string | ReduceFunction<T>,
    b?: ReduceFunction<T> | ProcessWindowFunction<T, R, K, W>,
    c?: ProcessWindowFunction<T, R, K, W>,
  ): DataStream<R> {
    const [name, named, fn] = nameAndFunction(a, b as ReduceFunction<T> | undefined, 'window-reduce');
    const windowFn = typeof a === 'string' ? c : (b as ProcessWindowFunction<T, R, K, W> | undefined);
    const evictor = this.windowEvictor;
    const contents =
      evictor === undefined
        ? () => new ReduceContents<T>(fn)
        : () =>
            new EvictingContents<T, T, W>(perSubtask(evictor), (values) =>
              values.length === 0 ? [] : [values.reduce((x, y) => fn(x, y))],
            );
    return this.build<unknown, T, R>(name, named, contents as () => WindowContents<T, unknown, T>, windowFn);
  }

  /** Aggregates each window incrementally and emits `getResult` when it fires. */
  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): DataStream<V>;
  aggregate<ACC, V>(name: string, fn: AggregateFunction<T, ACC, V>): DataStream<V>;
  /** Aggregates each window incrementally and hands the result to `windowFn` (with key and window). */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFn: ProcessWindowFunction<V, R, K, W>): DataStream<R>;
  aggregate<ACC, V, R>(
    name: string,
    fn: AggregateFunction<T, ACC, V>,
    windowFn: ProcessWindowFunction<V, R, K, W>,
  ): DataStream<R>;
  aggregate<ACC, V, R>(
    a: string | AggregateFunction<T, ACC, V>,
    b?: AggregateFunction<T, ACC, V> | ProcessWindowFunction<V, R, K, W>,
    c?: ProcessWindowFunction<V, R, K, W>,
  ): DataStream<R> {
    const [name, named, fn] = nameAndFunction(a, b as AggregateFunction<T, ACC, V> | undefined, 'window-aggregate');
    const windowFn = typeof a === 'string' ? c : (b as ProcessWindowFunction<V, R, K, W> | undefined);
    const evictor = this.windowEvictor;
    if (evictor === undefined && isMergingWindowAssigner(this.assigner) && typeof fn.merge !== 'function') {
      throw new SluiceError(
        'INVALID_PIPELINE',
        `Window aggregate '${name}' uses the merging assigner ${String(this.assigner)}, whose windows merge their ` +
          'accumulators: give the AggregateFunction a merge(a, b).',
      );
    }
    const contents =
      evictor === undefined
        ? () => new AggregateContents<T, ACC, V>(fn)
        : () =>
            new EvictingContents<T, V, W>(perSubtask(evictor), (values) => {
              let acc = fn.createAccumulator();
              for (const v of values) acc = fn.add(v, acc);
              return [fn.getResult(acc)];
            });
    return this.build<unknown, V, R>(name, named, contents as () => WindowContents<T, unknown, V>, windowFn);
  }

  /** Evaluates each window with all its elements (kept in state until the window is cleaned up). */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): DataStream<R>;
  process<R>(name: string, fn: ProcessWindowFunction<T, R, K, W>): DataStream<R>;
  process<R>(a: string | ProcessWindowFunction<T, R, K, W>, b?: ProcessWindowFunction<T, R, K, W>): DataStream<R> {
    const [name, named, windowFn] = nameAndFunction(a, b, 'window-process');
    const evictor = this.windowEvictor;
    const contents =
      evictor === undefined
        ? () => new ListContents<T>()
        : () => new EvictingContents<T, T, W>(perSubtask(evictor), (values) => values);
    return this.build<unknown, T, R>(name, named, contents as () => WindowContents<T, unknown, T>, windowFn);
  }

  private build<S, E, R>(
    name: string,
    named: boolean,
    contents: () => WindowContents<T, S, E>,
    windowFn: ProcessWindowFunction<E, R, K, W> | undefined,
  ): DataStream<R> {
    const { assigner, windowTrigger: trigger, lateness, lateTag } = this;
    const keySelector = this.input.keySelector;
    return this.input.addKeyedOperator<R>(
      name,
      named,
      () =>
        new WindowOperator<K, T, S, E, R, W>({
          keySelector,
          assigner,
          trigger: perSubtask(trigger),
          contents: contents(),
          windowFunction: windowFn === undefined ? undefined : perSubtask(windowFn),
          allowedLateness: lateness,
          lateDataTag: lateTag?.id,
        }) as StreamOperator<unknown>,
    );
  }
}

/**
 * @internal `keyed.countWindow(size, slide?)`: global windows with a count trigger, as Flink builds
 * them — tumbling: fire and purge every `size` elements; sliding: every `slide` elements, over
 * the last `size`.
 */
export function countWindowOf<T, K extends KeyType>(
  input: KeyedStream<T, K>,
  size: number,
  slide?: number,
): WindowedStream<T, K, GlobalWindow> {
  if (!Number.isInteger(size) || size < 1) {
    throw new SluiceError('INVALID_ARGUMENT', `countWindow size must be a whole number >= 1; got ${size}.`);
  }
  const windowed = new WindowedStream<T, K, GlobalWindow>(input, GlobalWindows.create());
  if (slide === undefined) return windowed.trigger(PurgingTrigger.of(CountTrigger.of(size)));
  return windowed.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
}
