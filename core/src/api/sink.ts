import type { Timestamp } from '../time/timestamps.ts';
import type { MetricGroup } from './metrics.ts';

/** What a sink writer gets from the runtime. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly operatorUid: string;
  /** The checkpoint the job restored from, if any (epochs continue after it). */
  readonly restoredCheckpointId?: number;
  /**
   * On restore: the highest parallelism this sink ran at in the restored lineage (at least the
   * restored checkpoint's). Writer subtasks `>= parallelism` and `< restoredParallelism` existed
   * before a scale-down; a committer cleans up after them (e.g. fences their transactions).
   */
  readonly restoredParallelism?: number;
  /** Metrics of this writer's subtask (records, bytes, commit latency...). */
  readonly metrics: MetricGroup;
  /**
   * A writer whose {@link SinkWriter.isBackpressured} turned false calls this (from any callback)
   * so the task polls its sources again. Provided by the runtime; absent in hand-made contexts.
   *
   * @example
   * ```ts
   * onAcked() { this.queued -= n; if (this.queued < this.limit / 2) this.ctx.wakeUp?.(); }
   * ```
   */
  readonly wakeUp?: () => void;
}

/**
 * Writes the records of one subtask. `write` is synchronous (the hot path); I/O happens in
 * `flush`, which the runtime awaits at end of input (and at checkpoints, for delivery guarantees).
 */
export interface SinkWriter<T> {
  write(value: T, timestamp: Timestamp): void;
  flush(endOfInput: boolean): void | Promise<void>;
  /**
   * Optional: called when a checkpoint barrier passes the writer (after every record before it).
   * The subtask acknowledges the checkpoint only once the returned promise resolves, while records
   * after the barrier keep flowing; a rejection fails the job. At-least-once writers await the acks
   * of everything written so far here; return undefined when there is nothing to wait for.
   *
   * @example
   * ```ts
   * flushAtBarrier() { return this.inFlight.length === 0 ? undefined : Promise.all(this.inFlight).then(() => {}); }
   * ```
   */
  flushAtBarrier?(checkpointId: number): Promise<void> | undefined;
  /**
   * Optional: true while the writer has buffered as much as it should (its I/O is slower than
   * the input). The task then stops polling the sources that feed it (and, across threads, stops
   * returning credit), until the writer calls {@link SinkWriterContext.wakeUp}. Without it, a
   * writer that buffers must bound its memory by itself.
   *
   * @example
   * ```ts
   * isBackpressured() { return this.queuedBytes >= 32 * 1024 * 1024; }
   * ```
   */
  isBackpressured?(): boolean;
  close(): void | Promise<void>;
}

/**
 * A destination of records.
 *
 * @example
 * ```ts
 * const sink: Sink<string> = { createWriter: () => ({ write: (v) => lines.push(v), flush() {}, close() {} }) };
 * stream.sinkTo(sink, 'lines');
 * ```
 */
export interface Sink<T> {
  createWriter(ctx: SinkWriterContext): SinkWriter<T>;
}

/**
 * The writer of a {@link TwoPhaseCommitSink}: at each checkpoint barrier it seals what it wrote
 * since the previous barrier (closes the file part, or keeps the records of the epoch as a
 * write-ahead) and returns that as committables, which go into the checkpoint (pre-commit).
 * `prepareCommit` is synchronous: it runs inside the barrier's snapshot.
 */
export interface PrecommittingSinkWriter<T, C> extends SinkWriter<T> {
  prepareCommit(checkpointId: number): C[];
}

/**
 * Makes pre-committed data visible. `commit` runs once the checkpoint that holds the
 * committables is durable, and again on recovery for the committables of the restored
 * checkpoint, so it MUST be idempotent (committing twice changes nothing). Committables stay in
 * checkpoints until their commit succeeded. On restore, the committables written by writer
 * subtask `s` go to the committer of subtask `s % parallelism`, in checkpoint order, so one
 * committer sees all uncommitted epochs of a writer.
 */
export interface Committer<C> {
  commit(committables: readonly C[]): Promise<void>;
  /**
   * On (re)start, before anything else: clean up what a crashed attempt left that no checkpoint
   * references (e.g. in-progress files, open transactions).
   */
  recover?(): Promise<void>;
  close?(): void | Promise<void>;
}

/**
 * A sink with exactly-once delivery through two-phase commit (DESIGN.md §5): pre-commit at the
 * barrier (the writer's committables are stored in the checkpoint), commit when the checkpoint
 * completes, and on recovery commit what the restored checkpoint holds — a crash at any point,
 * even between checkpoint completion and the commit, neither loses nor duplicates output.
 *
 * @example
 * ```ts
 * class MySink implements TwoPhaseCommitSink<string, { file: string }> {
 *   readonly twoPhaseCommit = true;
 *   createWriter(ctx: SinkWriterContext) { ... }      // prepareCommit(): seal the current file
 *   createCommitter(ctx: SinkWriterContext) { ... }   // commit(): rename sealed files (idempotent)
 * }
 * ```
 */
export interface TwoPhaseCommitSink<T, C> extends Sink<T> {
  readonly twoPhaseCommit: true;
  createWriter(ctx: SinkWriterContext): PrecommittingSinkWriter<T, C>;
  createCommitter(ctx: SinkWriterContext): Committer<C>;
}

/** Whether `sink` commits in two phases. */
export function isTwoPhaseCommitSink<T>(sink: Sink<T>): sink is TwoPhaseCommitSink<T, unknown> {
  return (sink as Partial<TwoPhaseCommitSink<T, unknown>>).twoPhaseCommit === true;
}
