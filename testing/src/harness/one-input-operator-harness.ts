import {
  type DataStream,
  type KeyedProcessFunction,
  type KeySelector,
  type KeyType,
  type ProcessFunction,
  TestOperatorRunner,
} from '@sluice/core';
import { DEFAULT_HARNESS_OPERATOR_NAME, type OperatorHarnessOptions, runnerOptions } from './harness-options.ts';
import { OperatorHarness } from './operator-harness.ts';

/**
 * Unit-tests one operator of one input without running a job, like Kafka Streams'
 * `TopologyTestDriver`: push records, watermarks and processing time in; read the output, side
 * outputs, keyed state and timers. The operator is the real one the runtime would run.
 *
 * @example
 * ```ts
 * const harness = OneInputOperatorHarness.forKeyedProcessFunction(idleAlert, (e: Evt) => e.user);
 * harness.processElement({ user: 'alice', t: 1_000 }, 1_000);
 * harness.processWatermark(61_000);
 * expect(harness.getOutputValues()).toEqual(['alice idle']);
 * expect(harness.numEventTimeTimers()).toBe(0);
 * ```
 */
export class OneInputOperatorHarness<IN, OUT> extends OperatorHarness<IN, never, OUT> {
  /** @internal Use the static factories. */
  private constructor(runner: TestOperatorRunner<IN, never, OUT>) {
    super(runner);
  }

  /**
   * A harness for a {@link ProcessFunction} on a non-keyed stream.
   * @example
   * ```ts
   * const harness = OneInputOperatorHarness.forProcessFunction<string, number>({
   *   processElement: (s, _ctx, out) => out.collect(s.length),
   * });
   * ```
   */
  static forProcessFunction<IN, OUT>(
    fn: ProcessFunction<IN, OUT>,
    options: OperatorHarnessOptions = {},
  ): OneInputOperatorHarness<IN, OUT> {
    const name = options.name ?? DEFAULT_HARNESS_OPERATOR_NAME;
    return OneInputOperatorHarness.forStream<IN, OUT>((input) => input.process(name, fn), options);
  }

  /**
   * A harness for a {@link KeyedProcessFunction}: records are keyed with `keySelector`.
   * @example
   * ```ts
   * const harness = OneInputOperatorHarness.forKeyedProcessFunction(counter, (w: string) => w);
   * ```
   */
  static forKeyedProcessFunction<K extends KeyType, IN, OUT>(
    fn: KeyedProcessFunction<K, IN, OUT>,
    keySelector: KeySelector<IN, K>,
    options: OperatorHarnessOptions = {},
  ): OneInputOperatorHarness<IN, OUT> {
    const name = options.name ?? DEFAULT_HARNESS_OPERATOR_NAME;
    return OneInputOperatorHarness.forStream<IN, OUT>((input) => input.keyBy(keySelector).process(name, fn), options);
  }

  /**
   * A harness for any one-input operator you build with the DataStream API on `input`: windows,
   * rolling aggregations, async I/O. Build exactly one operator and return its output stream.
   * @example
   * ```ts
   * const harness = OneInputOperatorHarness.forStream((input: DataStream<number>) =>
   *   AsyncDataStream.orderedWait(input, 'lookup', lookup, { timeoutMs: 1_000 }),
   * );
   * ```
   */
  static forStream<IN, OUT>(
    build: (input: DataStream<IN>) => DataStream<OUT>,
    options: OperatorHarnessOptions = {},
  ): OneInputOperatorHarness<IN, OUT> {
    return new OneInputOperatorHarness<IN, OUT>(TestOperatorRunner.oneInput(build, runnerOptions(options)));
  }

  /** Pushes a record; `timestamp` is its event time (omit for none). */
  processElement(value: IN, timestamp?: number): this {
    this.runner.processElement(value, timestamp);
    return this;
  }

  /** Pushes several records with the same (or no) timestamp. */
  processElements(values: Iterable<IN>, timestamp?: number): this {
    for (const v of values) this.runner.processElement(v, timestamp);
    return this;
  }
}
