import type { Timestamp } from '../time/timestamps.ts';
import type { MetricGroup } from './metrics.ts';

/**
 * Source contract (FLIP-27 style): an enumerator discovers splits and assigns them to parallel
 * readers; readers poll batches asynchronously and emit them synchronously.
 */

/** A unit of work of a source (a file, a Kafka partition, a range of a generator). */
export interface SourceSplit {
  readonly splitId: string;
}

/** What a split enumerator can do. */
export interface SplitEnumeratorContext<S extends SourceSplit> {
  /** Number of parallel readers. */
  readonly parallelism: number;
  /** Hands `splits` to reader `subtask`; an empty list does nothing. */
  assignSplits(subtask: number, splits: readonly S[]): void;
  signalNoMoreSplits(subtask: number): void;
}

/** Discovers splits and hands them to readers; its state is part of every checkpoint. */
export interface SplitEnumerator<S extends SourceSplit, ES> {
  start(): void;
  /** A reader (subtask) registered and wants work. */
  addReader(subtask: number): void;
  /** Splits that a failed reader had not finished come back for reassignment. */
  addSplitsBack(splits: readonly S[], subtask: number): void;
  snapshotState(checkpointId: number): ES;
  close(): void | Promise<void>;
}

/** Where a reader emits the records of one split; per-split watermarks are generated from these. */
export interface SplitOutput<T> {
  /** `timestamp` is the record's time as the source knows it (e.g. the Kafka record time). */
  collect(value: T, timestamp?: Timestamp): void;
}

/** Where a reader emits. */
export interface ReaderOutput<T> extends SplitOutput<T> {
  /** The output for one split: watermarks are generated per split and combined (minimum). */
  forSplit(splitId: string): SplitOutput<T>;
  /** The split is finished: it no longer holds the watermark back. */
  releaseSplit(splitId: string): void;
}

/** Result of {@link SourceReader.pollNext}. */
export type InputStatus = 'more-available' | 'nothing-available' | 'end-of-input';

/** What a reader gets from the runtime. */
export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Processing time (for rate limiting); never the wall clock directly. */
  now(): number;
  /** Resolves when processing time reaches `time` (for rate-limited readers' `isAvailable`). */
  sleepUntil(time: number): Promise<void>;
  /** Metrics of this reader's subtask (records, bytes, lag...). */
  readonly metrics: MetricGroup;
  /**
   * Whether the job takes checkpoints. Without them nothing is ever replayed after a failure, so
   * a reader that keeps data for a replay (e.g. `QueueSource`) can drop it once emitted.
   */
  readonly checkpointing?: boolean;
}

/**
 * Reads the splits assigned to one subtask. `pollNext` must not block: it emits what is
 * available (a batch) and says whether more is ready; `isAvailable` resolves when it is.
 */
export interface SourceReader<T, S extends SourceSplit> {
  start(): void;
  addSplits(splits: readonly S[]): void;
  notifyNoMoreSplits(): void;
  pollNext(output: ReaderOutput<T>): InputStatus;
  /** Resolves when `pollNext` may have data. */
  isAvailable(): Promise<void>;
  /** Positions of the unfinished splits, for a checkpoint. */
  snapshotState(checkpointId: number): S[];
  /**
   * Optional: checkpoint `checkpointId` is durable (e.g. commit offsets back to the broker for lag
   * monitoring). Must not throw; failures here must never fail the job.
   */
  notifyCheckpointComplete?(checkpointId: number): void;
  close(): void | Promise<void>;
}

/**
 * A source of records.
 *
 * @example
 * ```ts
 * const source: Source<number> = new CollectionSource([1, 2, 3]);
 * env.fromSource(source, WatermarkStrategy.noWatermarks(), 'numbers');
 * ```
 */
export interface Source<T, S extends SourceSplit = SourceSplit, ES = unknown> {
  readonly boundedness: 'bounded' | 'unbounded';
  /** Highest parallelism that makes sense (1 for a non-parallel source); undefined = any. */
  readonly maxParallelism?: number;
  createEnumerator(ctx: SplitEnumeratorContext<S>): SplitEnumerator<S, ES>;
  restoreEnumerator(ctx: SplitEnumeratorContext<S>, state: ES): SplitEnumerator<S, ES>;
  createReader(ctx: SourceReaderContext): SourceReader<T, S>;
}
