import {
  type BroadcastProcessFunction,
  type BroadcastStateSnapshot,
  type CoProcessFunction,
  type DataStream,
  type KeyedBroadcastProcessFunction,
  type KeyedCoProcessFunction,
  type KeySelector,
  type KeyType,
  type MapStateDescriptor,
  TestOperatorRunner,
} from '@sluice/core';
import { DEFAULT_HARNESS_OPERATOR_NAME, type OperatorHarnessOptions, runnerOptions } from './harness-options.ts';
import { OperatorHarness } from './operator-harness.ts';

type Descriptors = [MapStateDescriptor<unknown, unknown>, ...MapStateDescriptor<unknown, unknown>[]];

/**
 * Unit-tests one two-input operator (connected streams, broadcast state, joins) without running a
 * job. Input 1 is `processElement1`, input 2 `processElement2` (`processBroadcastElement` for the
 * broadcast side); the operator's watermark is the minimum of both inputs'.
 *
 * @example
 * ```ts
 * const rules = new MapStateDescriptor<string, number>('rules');
 * const harness = TwoInputOperatorHarness.forKeyedBroadcastProcessFunction(checkLimits, (t: Txn) => t.account, [rules]);
 * harness.processBroadcastElement({ name: 'limit', value: 100 });
 * harness.processElement1({ account: 'a', amount: 150 }, 1_000);
 * expect(harness.getOutputValues()).toEqual(['a over limit']);
 * ```
 */
export class TwoInputOperatorHarness<IN1, IN2, OUT> extends OperatorHarness<IN1, IN2, OUT> {
  /** @internal Use the static factories. */
  private constructor(runner: TestOperatorRunner<IN1, IN2, OUT>) {
    super(runner);
  }

  /**
   * A harness for a {@link CoProcessFunction} on two connected non-keyed streams.
   * @example
   * ```ts
   * const harness = TwoInputOperatorHarness.forCoProcessFunction<number, string, string>({
   *   processElement1: (n, _ctx, out) => out.collect(String(n)),
   *   processElement2: (s, _ctx, out) => out.collect(s),
   * });
   * ```
   */
  static forCoProcessFunction<IN1, IN2, OUT>(
    fn: CoProcessFunction<IN1, IN2, OUT>,
    options: OperatorHarnessOptions = {},
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    const name = options.name ?? DEFAULT_HARNESS_OPERATOR_NAME;
    return TwoInputOperatorHarness.forStreams<IN1, IN2, OUT>((a, b) => a.connect(b).process(name, fn), options);
  }

  /**
   * A harness for a {@link KeyedCoProcessFunction}; each input is keyed by its own selector.
   * @example
   * ```ts
   * const harness = TwoInputOperatorHarness.forKeyedCoProcessFunction(matcher, (o: Order) => o.id, (p: Payment) => p.orderId);
   * ```
   */
  static forKeyedCoProcessFunction<K extends KeyType, IN1, IN2, OUT>(
    fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>,
    key1: KeySelector<IN1, K>,
    key2: KeySelector<IN2, K>,
    options: OperatorHarnessOptions = {},
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    const name = options.name ?? DEFAULT_HARNESS_OPERATOR_NAME;
    return TwoInputOperatorHarness.forStreams<IN1, IN2, OUT>(
      (a, b) => a.connect(b).keyBy(key1, key2).process(name, fn),
      options,
    );
  }

  /**
   * A harness for a {@link BroadcastProcessFunction}: input 2 is the broadcast side.
   * @example
   * ```ts
   * const harness = TwoInputOperatorHarness.forBroadcastProcessFunction(applyThreshold, [thresholds]);
   * ```
   */
  static forBroadcastProcessFunction<IN1, IN2, OUT>(
    fn: BroadcastProcessFunction<IN1, IN2, OUT>,
    descriptors: Descriptors,
    options: OperatorHarnessOptions = {},
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    const name = options.name ?? DEFAULT_HARNESS_OPERATOR_NAME;
    return TwoInputOperatorHarness.forStreams<IN1, IN2, OUT>(
      (a, b) => a.connect(b.broadcast(...descriptors)).process(name, fn),
      options,
    );
  }

  /**
   * A harness for a {@link KeyedBroadcastProcessFunction}: input 1 is keyed with `keySelector`,
   * input 2 is the broadcast side.
   * @example
   * ```ts
   * const harness = TwoInputOperatorHarness.forKeyedBroadcastProcessFunction(checkLimits, (t: Txn) => t.account, [rules]);
   * ```
   */
  static forKeyedBroadcastProcessFunction<K extends KeyType, IN1, IN2, OUT>(
    fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
    keySelector: KeySelector<IN1, K>,
    descriptors: Descriptors,
    options: OperatorHarnessOptions = {},
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    const name = options.name ?? DEFAULT_HARNESS_OPERATOR_NAME;
    return TwoInputOperatorHarness.forStreams<IN1, IN2, OUT>(
      (a, b) =>
        a
          .keyBy(keySelector)
          .connect(b.broadcast(...descriptors))
          .process(name, fn),
      options,
    );
  }

  /**
   * A harness for any two-input operator you build on `first` and `second` (e.g. an interval join).
   * @example
   * ```ts
   * const harness = TwoInputOperatorHarness.forStreams((clicks: DataStream<Click>, views: DataStream<View>) =>
   *   clicks.keyBy((c) => c.user).intervalJoin(views.keyBy((v) => v.user)).between(-5_000, 0).process('join', join),
   * );
   * ```
   */
  static forStreams<IN1, IN2, OUT>(
    build: (first: DataStream<IN1>, second: DataStream<IN2>) => DataStream<OUT>,
    options: OperatorHarnessOptions = {},
  ): TwoInputOperatorHarness<IN1, IN2, OUT> {
    return new TwoInputOperatorHarness<IN1, IN2, OUT>(TestOperatorRunner.twoInput(build, runnerOptions(options)));
  }

  /** Pushes a record into input 1; `timestamp` is its event time (omit for none). */
  processElement1(value: IN1, timestamp?: number): this {
    this.runner.processElement(value, timestamp);
    return this;
  }

  /** Pushes a record into input 2. */
  processElement2(value: IN2, timestamp?: number): this {
    this.runner.processElement2(value, timestamp);
    return this;
  }

  /** Pushes a record into the broadcast side (input 2) of a broadcast operator. */
  processBroadcastElement(value: IN2, timestamp?: number): this {
    return this.processElement2(value, timestamp);
  }

  /** Advances input 1's watermark only. */
  processWatermark1(watermark: number): this {
    this.runner.processWatermarkOf(0, watermark);
    return this;
  }

  /** Advances input 2's watermark only. */
  processWatermark2(watermark: number): this {
    this.runner.processWatermarkOf(1, watermark);
    return this;
  }

  /** Marks an input idle, so its watermark no longer holds the operator's back (or active again). */
  setInputIdle(input: 1 | 2, idle: boolean): this {
    this.runner.setInputIdle(input === 1 ? 0 : 1, idle);
    return this;
  }

  /** A copy of one broadcast state. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): Map<K, V> {
    return this.runner.broadcastState(descriptor);
  }

  /** The broadcast state as a checkpoint would store it. */
  snapshotBroadcastState(): BroadcastStateSnapshot {
    return this.runner.snapshotBroadcastState();
  }

  /** Restores broadcast state (before the first input). */
  restoreBroadcastState(snapshot: BroadcastStateSnapshot): this {
    this.runner.restoreBroadcastState(snapshot);
    return this;
  }
}
