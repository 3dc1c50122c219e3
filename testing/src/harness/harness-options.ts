import type { ManualClock, TestOperatorRunnerOptions } from '@sluice/core';

/**
 * Options of the operator harnesses.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(1_000);
 * OneInputOperatorHarness.forKeyedProcessFunction(fn, (e) => e.user, { clock, name: 'idle-alert' });
 * ```
 */
export interface OperatorHarnessOptions {
  /** Processing time (default: a new `ManualClock` at 0). */
  readonly clock?: ManualClock;
  /** The operator's name, also its uid (default `'operator-under-test'`). */
  readonly name?: string;
  /** The subtask under test (default 0); keys it receives must belong to its key groups. */
  readonly subtaskIndex?: number;
  /** Parallelism the operator believes it runs at (default 1). */
  readonly parallelism?: number;
  /** Number of key groups (default 128). */
  readonly maxParallelism?: number;
}

/**
 * A record the operator emitted; `timestamp` is undefined for records without event time.
 *
 * @example
 * ```ts
 * expect(harness.getOutput()).toEqual([{ value: 'alice idle', timestamp: 61_000 }]);
 * ```
 */
export interface HarnessRecord<T> {
  readonly value: T;
  readonly timestamp: number | undefined;
}

/**
 * The default operator name (and uid) of a harness's operator.
 * @example
 * ```ts
 * OneInputOperatorHarness.forProcessFunction(fn, { name: DEFAULT_HARNESS_OPERATOR_NAME });
 * ```
 */
export const DEFAULT_HARNESS_OPERATOR_NAME = 'operator-under-test';

/** @internal The core runner's options from a harness's. */
export function runnerOptions(options: OperatorHarnessOptions): TestOperatorRunnerOptions {
  return {
    clock: options.clock,
    subtaskIndex: options.subtaskIndex,
    parallelism: options.parallelism,
    maxParallelism: options.maxParallelism,
  };
}
