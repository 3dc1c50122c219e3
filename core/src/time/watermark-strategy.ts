import { SluiceError } from '../errors.ts';
import type { Clock } from './clock.ts';
import { MIN_WATERMARK, type Timestamp } from './timestamps.ts';

/** Where a {@link WatermarkGenerator} sends watermarks and idleness. */
export interface WatermarkOutput {
  emitWatermark(watermark: Timestamp): void;
  /** This input has no data for now: downstream ignores it when taking the minimum. */
  markIdle(): void;
  /** This input has data again. */
  markActive(): void;
}

/**
 * Produces watermarks from the events of one source split. `onEvent` sees every record;
 * `onPeriodicEmit` is called after every polled batch and while the source waits for data.
 */
export interface WatermarkGenerator<T> {
  onEvent(event: T, timestamp: Timestamp, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** Extracts the event time of a record; `recordTimestamp` is what the source attached, if anything. */
export type TimestampAssigner<T> = (event: T, recordTimestamp: Timestamp) => Timestamp;

/** What a generator factory gets: the injected processing-time clock. */
export interface WatermarkGeneratorContext {
  readonly clock: Clock;
}

class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;
  private readonly bound: number;

  constructor(bound: number) {
    this.bound = bound;
    this.maxTimestamp = MIN_WATERMARK + bound + 1;
  }

  onEvent(_event: T, timestamp: Timestamp): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.bound - 1);
  }
}

class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(): void {}
  onPeriodicEmit(): void {}
}

/** Wraps a generator: after `timeoutMs` of processing time without events the split is marked idle. */
class IdlenessGenerator<T> implements WatermarkGenerator<T> {
  private readonly inner: WatermarkGenerator<T>;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private lastEventAt: number;
  private idle = false;

  constructor(inner: WatermarkGenerator<T>, clock: Clock, timeoutMs: number) {
    this.inner = inner;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.lastEventAt = clock.now();
  }

  onEvent(event: T, timestamp: Timestamp, output: WatermarkOutput): void {
    this.lastEventAt = this.clock.now();
    if (this.idle) {
      this.idle = false;
      output.markActive();
    }
    this.inner.onEvent(event, timestamp, output);
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.idle) return;
    if (this.clock.now() - this.lastEventAt >= this.timeoutMs) {
      this.idle = true;
      output.markIdle();
      return;
    }
    this.inner.onPeriodicEmit(output);
  }
}

/** Watermark alignment settings of a source ({@link WatermarkStrategy.withWatermarkAlignment}). */
export interface WatermarkAlignmentSpec {
  readonly group: string;
  readonly maxAllowedDriftMs: number;
  readonly updateIntervalMs: number;
}

/**
 * How a source assigns event timestamps and generates watermarks (DESIGN.md §3).
 *
 * @example
 * ```ts
 * const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Txn>(5_000)
 *   .withTimestampAssigner((txn) => txn.time)
 *   .withIdleness(60_000);
 * env.fromSource(source, strategy, 'transactions');
 * ```
 */
export class WatermarkStrategy<T> {
  private readonly factory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>;
  /** The timestamp assigner, or undefined to keep the timestamp the source attached. */
  readonly timestampAssigner: TimestampAssigner<T> | undefined;
  /** Idle timeout in ms, if set. */
  readonly idleTimeoutMs: number | undefined;
  /** Watermark alignment, if set ({@link withWatermarkAlignment}). */
  readonly alignment: WatermarkAlignmentSpec | undefined;

  private constructor(
    factory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>,
    timestampAssigner?: TimestampAssigner<T>,
    idleTimeoutMs?: number,
    alignment?: WatermarkAlignmentSpec,
  ) {
    this.factory = factory;
    this.timestampAssigner = timestampAssigner;
    this.idleTimeoutMs = idleTimeoutMs;
    this.alignment = alignment;
  }

  /** Watermark = highest timestamp seen − `maxOutOfOrdernessMs` − 1. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    if (!(maxOutOfOrdernessMs >= 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `maxOutOfOrdernessMs must be >= 0; got ${maxOutOfOrdernessMs}`);
    }
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrdernessMs));
  }

  /** For sources whose timestamps never decrease: watermark = highest timestamp − 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessGenerator<T>(0));
  }

  /** No watermarks: event-time windows and timers fire only at end of input. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new NoWatermarksGenerator<T>());
  }

  /** A custom generator. */
  static forGenerator<T>(factory: (ctx: WatermarkGeneratorContext) => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory);
  }

  /** Returns a copy that takes event time from `assigner`. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.factory, assigner, this.idleTimeoutMs, this.alignment);
  }

  /** Returns a copy that marks a split idle after `timeoutMs` of processing time without records. */
  withIdleness(timeoutMs: number): WatermarkStrategy<T> {
    if (!(timeoutMs > 0)) {
      throw new SluiceError('INVALID_ARGUMENT', `idleness timeout must be > 0 ms; got ${timeoutMs}`);
    }
    return new WatermarkStrategy<T>(this.factory, this.timestampAssigner, timeoutMs, this.alignment);
  }

  /**
   * Returns a copy whose sources take part in watermark alignment group `group`: a source subtask
   * whose watermark is more than `maxAllowedDriftMs` ahead of the lowest watermark in the group
   * (over every source and subtask of the group, on every thread) is not polled until the others
   * catch up. Idle and finished subtasks do not hold the group back. Every `updateIntervalMs` of
   * processing time (default 1000) each thread publishes its subtasks' lowest watermark and
   * recomputes the limit, so a source may run up to one interval past the drift.
   *
   * Use it when parallel sources progress at different speeds (a partition with a backlog, a
   * thread that started later): without it the fastest source's records wait in window state until
   * the slowest catches up, and that state grows with the drift. It changes when records are read,
   * never which results are produced.
   *
   * @example
   * ```ts
   * const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Txn>(5_000)
   *   .withTimestampAssigner((txn) => txn.time)
   *   .withWatermarkAlignment('transactions', 20_000, 1_000);
   * ```
   */
  withWatermarkAlignment(group: string, maxAllowedDriftMs: number, updateIntervalMs = 1_000): WatermarkStrategy<T> {
    if (typeof group !== 'string' || group.length === 0) {
      throw new SluiceError('INVALID_ARGUMENT', 'a watermark alignment group needs a non-empty name');
    }
    if (!(maxAllowedDriftMs >= 0) || !Number.isFinite(maxAllowedDriftMs)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `maxAllowedDriftMs must be a finite number >= 0; got ${maxAllowedDriftMs}`,
      );
    }
    if (!(updateIntervalMs > 0) || !Number.isFinite(updateIntervalMs)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `updateIntervalMs must be a finite number > 0; got ${updateIntervalMs}`,
      );
    }
    return new WatermarkStrategy<T>(this.factory, this.timestampAssigner, this.idleTimeoutMs, {
      group,
      maxAllowedDriftMs,
      updateIntervalMs,
    });
  }

  /** Creates the generator for one split (runtime use). */
  createGenerator(ctx: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const generator = this.factory(ctx);
    return this.idleTimeoutMs === undefined
      ? generator
      : new IdlenessGenerator<T>(generator, ctx.clock, this.idleTimeoutMs);
  }
}
