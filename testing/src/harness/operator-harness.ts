import {
  type AggregatingStateDescriptor,
  type KeyType,
  type ListStateDescriptor,
  type MapStateDescriptor,
  NO_TIMESTAMP,
  type OperatorStateSnapshot,
  type OutputTag,
  type ReducingStateDescriptor,
  type TestOperatorRunner,
  type TestOutputRecord,
  type ValueStateDescriptor,
} from '@sluice/core';
import type { HarnessRecord } from './harness-options.ts';

function toHarnessRecord<T>(r: TestOutputRecord<T>): HarnessRecord<T> {
  return { value: r.value, timestamp: r.timestamp === NO_TIMESTAMP ? undefined : r.timestamp };
}

/**
 * What every operator harness offers: time control and read access to the operator's output,
 * state and timers. Drives the real operator through core's `TestOperatorRunner`.
 *
 * @example
 * ```ts
 * harness.processWatermark(10_000).advanceProcessingTime(5_000);
 * expect(harness.getOutputValues()).toEqual(['fired']);
 * expect(harness.numEventTimeTimers()).toBe(0);
 * ```
 */
export abstract class OperatorHarness<IN1, IN2, OUT> {
  /** @internal */
  protected readonly runner: TestOperatorRunner<IN1, IN2, OUT>;

  /** @internal */
  protected constructor(runner: TestOperatorRunner<IN1, IN2, OUT>) {
    this.runner = runner;
  }

  /** Opens the operator (runs the function's `open`). The first input does this automatically. */
  open(): this {
    this.runner.open();
    return this;
  }

  /** Advances the watermark of every input; event-time timers and windows due by then fire. */
  processWatermark(watermark: number): this {
    this.runner.processWatermark(watermark);
    return this;
  }

  /** Sets processing time; processing-time timers (and async timeouts) due by then fire. */
  setProcessingTime(time: number): this {
    this.runner.setProcessingTime(time);
    return this;
  }

  /** Moves processing time forward by `ms`. */
  advanceProcessingTime(ms: number): this {
    this.runner.advanceProcessingTime(ms);
    return this;
  }

  /** Current processing time of the harness clock. */
  currentProcessingTime(): number {
    return this.runner.clock.now();
  }

  /**
   * Lets already-settled promises deliver their results (async I/O): await it after resolving
   * the promises your async function returned.
   */
  async settle(): Promise<void> {
    await this.runner.settle();
  }

  /**
   * Ends the input as a finished source would: a final watermark at the end of time (every
   * event-time timer and window fires), then the operator's finish, awaited (pending async results).
   */
  async endInput(): Promise<void> {
    await this.runner.endInput();
  }

  /** Closes the operator (runs the function's `close`). */
  close(): void {
    this.runner.close();
  }

  /** Everything emitted on the main output so far, with timestamps. */
  getOutput(): HarnessRecord<OUT>[] {
    return this.runner.output.map(toHarnessRecord);
  }

  /** The values emitted on the main output so far. */
  getOutputValues(): OUT[] {
    return this.runner.output.map((r) => r.value);
  }

  /** Returns the values emitted so far and forgets them (and the side outputs and watermarks). */
  extractOutputValues(): OUT[] {
    const values = this.getOutputValues();
    this.runner.clearOutput();
    return values;
  }

  /** Everything emitted to a side output so far. */
  getSideOutput<S>(tag: OutputTag<S>): HarnessRecord<S>[] {
    return this.runner.sideOutput<S>(tag.id).map(toHarnessRecord);
  }

  /** The watermarks the operator emitted, in order. */
  getWatermarks(): number[] {
    return [...this.runner.watermarks];
  }

  /** The value of a keyed state for `key` (copies for list and map state). */
  getKeyedState<T>(key: KeyType, descriptor: ValueStateDescriptor<T>): T | undefined;
  getKeyedState<T>(key: KeyType, descriptor: ListStateDescriptor<T>): T[];
  getKeyedState<K, V>(key: KeyType, descriptor: MapStateDescriptor<K, V>): Map<K, V>;
  getKeyedState<T>(key: KeyType, descriptor: ReducingStateDescriptor<T>): T | undefined;
  getKeyedState<IN, ACC, R>(key: KeyType, descriptor: AggregatingStateDescriptor<IN, ACC, R>): R | undefined;
  getKeyedState(key: KeyType, descriptor: { readonly kind: string; readonly name: string }): unknown {
    const read = this.runner.keyedState as (key: KeyType, descriptor: unknown) => unknown;
    return read.call(this.runner, key, descriptor);
  }

  /** The keys that hold a value of this state. */
  keysWithState(descriptor: { readonly name: string }): KeyType[] {
    return this.runner.keysWithState(descriptor.name);
  }

  /** Registered event-time timers over all keys. */
  numEventTimeTimers(): number {
    return this.runner.numEventTimeTimers();
  }

  /** Registered processing-time timers over all keys. */
  numProcessingTimeTimers(): number {
    return this.runner.numProcessingTimeTimers();
  }

  /** Number of keyed-state entries of the operator (its own buffers included): 0 when it cleaned up. */
  numKeyedStateEntries(): number {
    return this.runner.keyedStateSize();
  }

  /** The items of an operator list state (non-keyed functions, `ctx.getListState` in `open`). */
  getOperatorListState<T>(descriptor: ListStateDescriptor<T>): T[] {
    return this.runner.operatorListState(descriptor);
  }

  /** The operator list state as a checkpoint would store it. */
  snapshotOperatorState(): OperatorStateSnapshot {
    return this.runner.snapshotOperatorState();
  }

  /** Restores operator list state (before the first input), as a job restored from a checkpoint would. */
  restoreOperatorState(snapshot: OperatorStateSnapshot): this {
    this.runner.restoreOperatorState(snapshot);
    return this;
  }
}
