import type { InputStatus, ReaderOutput, SourceReader, SourceSplit, SplitOutput } from '../../api/source.ts';
import { userFunctionFailed } from '../../errors.ts';
import type {
  TimestampAssigner,
  WatermarkAlignmentSpec,
  WatermarkGenerator,
  WatermarkOutput,
  WatermarkStrategy,
} from '../../time/watermark-strategy.ts';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import type { JsonValue } from '../../checkpoint/metadata.ts';
import {
  AbstractStreamOperator,
  type OperatorSnapshot,
  type Output,
  type RestoredOperatorState,
} from '../stream-operator.ts';

/** Operator list-state name of a source reader's splits. */
const SPLITS_STATE = '__sluice.splits';

/** Watermark bookkeeping of one split (or of the reader's main output). */
class SplitChannel<T> implements SplitOutput<T>, WatermarkOutput {
  watermark: Timestamp = MIN_WATERMARK;
  idle = false;
  /** The reader asked for this output ({@link SourceOperator.forSplit}); not just registered at assignment. */
  requested = false;
  private readonly owner: SourceOperator<T>;
  readonly generator: WatermarkGenerator<T>;

  constructor(owner: SourceOperator<T>, generator: WatermarkGenerator<T>) {
    this.owner = owner;
    this.generator = generator;
  }

  collect(value: T, timestamp: Timestamp = NO_TIMESTAMP): void {
    this.owner.emit(this, value, timestamp);
  }

  emitWatermark(watermark: Timestamp): void {
    if (watermark > this.watermark) this.watermark = watermark;
  }
  markIdle(): void {
    this.idle = true;
  }
  markActive(): void {
    this.idle = false;
  }
}

/**
 * Drives a {@link SourceReader}: assigns timestamps, generates watermarks per split and emits their
 * minimum (over non-idle splits). In BATCH mode it emits no watermark until end of input.
 *
 * Which outputs count: a split's output from its assignment on (a split not started yet holds the
 * watermark back), and the reader's main output once it emitted a record. A reader that emits its
 * splits' records through the main output (no per-split outputs, e.g. `QueueSource`) is
 * watermarked by that output alone. With no split and no record yet, the main output counts: as in
 * Flink, a subtask without splits holds the watermark back until `withIdleness` marks it idle
 * (e.g. more source subtasks than Kafka partitions).
 */
export class SourceOperator<T> extends AbstractStreamOperator<T> implements ReaderOutput<T> {
  readonly reader: SourceReader<T, SourceSplit>;
  private readonly strategy: WatermarkStrategy<T>;
  private readonly assigner: TimestampAssigner<T> | undefined;
  private readonly splits = new Map<string, SplitChannel<T>>();
  private main!: SplitChannel<T>;
  private emitted: Timestamp = MIN_WATERMARK;
  private idle = false;
  /** The reader emitted through its main output (not per split) at least once. */
  private mainUsed = false;
  /** The enumerator's first round of assignments reached this subtask (it may have given none). */
  private splitsOffered = false;
  private finished = false;
  /** Watermark alignment: the highest watermark this subtask may have and still be polled. */
  private maxAllowedWatermark: Timestamp = MAX_WATERMARK;

  constructor(reader: SourceReader<T, SourceSplit>, strategy: WatermarkStrategy<T>) {
    super();
    this.reader = reader;
    this.strategy = strategy;
    this.assigner = strategy.timestampAssigner;
  }

  override setup(ctx: Parameters<AbstractStreamOperator<T>['setup']>[0], output: Output<T>): void {
    super.setup(ctx, output);
    this.main = new SplitChannel<T>(this, this.strategy.createGenerator({ clock: ctx.clock }));
  }

  override open(): void {
    this.reader.start();
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** The watermark alignment settings of this source, if it takes part in a group. */
  get alignment(): WatermarkAlignmentSpec | undefined {
    return this.ctx.runtimeMode === 'BATCH' ? undefined : this.strategy.alignment;
  }

  /**
   * This subtask's watermark as alignment counts it: the emitted one, or {@link MAX_WATERMARK}
   * when idle, finished, or without any split or record (more subtasks than Kafka partitions;
   * as Flink's FLINK-32414: such a subtask would otherwise hold its whole group back forever).
   */
  get alignmentWatermark(): Timestamp {
    const splitless = this.splitsOffered && this.splits.size === 0 && !this.mainUsed;
    return this.finished || this.idle || splitless ? MAX_WATERMARK : this.emitted;
  }

  /** Alignment: the lowest watermark of the group is `groupWatermark`; this subtask may run up to the drift past it. */
  alignTo(groupWatermark: Timestamp): void {
    const drift = this.strategy.alignment?.maxAllowedDriftMs ?? 0;
    this.maxAllowedWatermark = groupWatermark >= MAX_WATERMARK - drift ? MAX_WATERMARK : groupWatermark + drift;
  }

  /** True while watermark alignment holds this subtask back (the task loop does not poll it). */
  get heldByAlignment(): boolean {
    return !this.finished && this.emitted > this.maxAllowedWatermark;
  }

  /** One poll: emits a batch synchronously, then generates watermarks. */
  poll(): InputStatus {
    let status: InputStatus;
    try {
      status = this.reader.pollNext(this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    if (status === 'end-of-input') this.endOfInput();
    else this.emitPeriodicWatermark();
    return status;
  }

  emit(channel: SplitChannel<T>, value: T, sourceTimestamp: Timestamp): void {
    let timestamp = sourceTimestamp;
    if (this.assigner !== undefined) {
      try {
        timestamp = this.assigner(value, sourceTimestamp);
      } catch (e) {
        throw userFunctionFailed(this.ctx.name, e);
      }
    }
    channel.generator.onEvent(value, timestamp, channel);
    this.out.collect(value, timestamp);
  }

  // ReaderOutput: records without a split go through the main channel.
  collect(value: T, timestamp: Timestamp = NO_TIMESTAMP): void {
    this.mainUsed = true;
    this.emit(this.main, value, timestamp);
  }

  forSplit(splitId: string): SplitOutput<T> {
    const channel = this.channelOf(splitId);
    channel.requested = true;
    return channel;
  }

  releaseSplit(splitId: string): void {
    this.splits.delete(splitId);
  }

  /** Asks every split's generator for a watermark and emits the combined one if it advanced. */
  emitPeriodicWatermark(): void {
    if (this.finished || this.ctx.runtimeMode === 'BATCH') return;
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    const mainUsed = this.mainUsed;
    for (const channel of this.splits.values()) {
      // Registered at assignment but never used: the reader emits through its main output.
      if (mainUsed && !channel.requested) continue;
      channel.generator.onPeriodicEmit(channel);
      if (channel.idle) continue;
      active++;
      if (channel.watermark < min) min = channel.watermark;
    }
    if (mainUsed || this.splits.size === 0) {
      const main = this.main;
      main.generator.onPeriodicEmit(main);
      if (!main.idle) {
        active++;
        if (main.watermark < min) min = main.watermark;
      }
    }
    const idle = active === 0;
    if (idle !== this.idle) {
      this.idle = idle;
      this.out.emitIdle(idle);
    }
    if (!idle && min > this.emitted) {
      this.emitted = min;
      this.out.emitWatermark(min);
    }
  }

  /** Checkpoint: the reader's unfinished splits with their positions (dealt round-robin on restore). */
  snapshotState(checkpointId: number): OperatorSnapshot {
    return { listState: { [SPLITS_STATE]: this.reader.snapshotState(checkpointId) } };
  }

  /** The checkpoint is durable: the reader may commit its positions somewhere (never needed for recovery). */
  notifyCheckpointComplete(checkpointId: number): void {
    this.reader.notifyCheckpointComplete?.(checkpointId);
  }

  /** Restore: the reader gets back the splits it (or, after rescaling, another subtask) had. */
  initializeState(restored: RestoredOperatorState): void {
    const splits = (restored.listState[SPLITS_STATE] ?? []) as SourceSplit[];
    if (splits.length > 0) this.addSplits(splits);
  }

  /**
   * Hands splits to the reader. Each split's watermark channel exists from now on, so a split the
   * reader has not started yet holds the watermark back (instead of its records turning late).
   */
  addSplits(splits: readonly SourceSplit[]): void {
    for (const split of splits) this.channelOf(split.splitId);
    this.reader.addSplits(splits);
  }

  /**
   * The enumerator has assigned its first splits to every reader (this one may have got none).
   * Until then a subtask without splits still holds its alignment group back: its split may be
   * on its way from another thread.
   */
  splitsAssigned(): void {
    this.splitsOffered = true;
  }

  private channelOf(splitId: string): SplitChannel<T> {
    let channel = this.splits.get(splitId);
    if (channel === undefined) {
      channel = new SplitChannel<T>(this, this.strategy.createGenerator({ clock: this.ctx.clock }));
      this.splits.set(splitId, channel);
    }
    return channel;
  }

  /** Split positions as plain JSON data, for checkpoint listings. */
  positions(checkpointId: number): JsonValue {
    return JSON.parse(JSON.stringify(this.reader.snapshotState(checkpointId))) as JsonValue;
  }

  /** Stop-with-savepoint with drain: the end-of-time watermark flushes windows and timers downstream. */
  drainEventTime(): void {
    if (this.finished) return;
    if (this.idle) this.out.emitIdle(false);
    this.emitted = MAX_WATERMARK;
    this.out.emitWatermark(MAX_WATERMARK);
  }

  private endOfInput(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.idle) this.out.emitIdle(false);
    this.out.emitWatermark(MAX_WATERMARK);
  }
}
