import { randomUUID } from 'node:crypto';
import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.ts';
import { SluiceError } from '../../errors.ts';

/**
 * The single split of a {@link QueueSource}, as checkpoints store it: the values pushed but not
 * yet emitted when the snapshot was taken, and where the source's in-memory log goes on.
 *
 * @example
 * ```ts
 * const split: QueueSplit<string> = { splitId: 'queue', logId: 'f0c1…', nextSeq: 42, pending: ['b', 'c'] };
 * ```
 */
export interface QueueSplit<T> extends SourceSplit {
  /** Identifies the {@link QueueSource} instance whose log `nextSeq` counts in (new in every process). */
  readonly logId: string;
  /** Sequence number, in that log, of the first value pushed after the snapshot. */
  readonly nextSeq: number;
  /** Pushed but not emitted at the snapshot, oldest first (emitted first after a restore). */
  readonly pending: readonly T[];
}

const SPLIT_ID = 'queue';
const BATCH = 1024;

/**
 * What was pushed, by sequence number, from the oldest value a restore may still need: a
 * restart in this process replays from the log what its checkpoint did not hold.
 */
class QueueLog<T> {
  readonly id = randomUUID();
  private values: T[] = [];
  /** Index in `values` of sequence number `start`. */
  private head = 0;
  private start = 0;
  ended = false;
  /** The reader of the running (or last) attempt. */
  reader: QueueReader<T> | undefined;
  private wake: (() => void) | undefined;
  private waiting: Promise<void> | undefined;

  get first(): number {
    return this.start;
  }

  /** Sequence number the next pushed value gets. */
  get end(): number {
    return this.start + this.values.length - this.head;
  }

  push(value: T): void {
    this.values.push(value);
    this.signal();
  }

  /** The value with sequence number `seq` (first <= seq < end). */
  at(seq: number): T {
    return this.values[this.head + seq - this.start] as T;
  }

  /** Drops the values before sequence number `seq`. */
  trim(seq: number): void {
    const drop = Math.min(seq, this.end) - this.start;
    if (drop <= 0) return;
    this.head += drop;
    this.start += drop;
    if (this.head >= 1024 && this.head * 2 >= this.values.length) {
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  /** Resolves at the next push or end (one promise shared by every waiter). */
  next(): Promise<void> {
    if (this.waiting === undefined) {
      this.waiting = new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return this.waiting;
  }

  signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    this.waiting = undefined;
    wake?.();
  }
}

class QueueReader<T> implements SourceReader<T, QueueSplit<T>> {
  private readonly log: QueueLog<T>;
  private readonly checkpointing: boolean;
  /** Values of the restored split, emitted before the live log. */
  private restored: readonly T[] = [];
  private restoredNext = 0;
  /** Next sequence number of the log to emit; -1 until the split arrives. */
  private cursor = -1;
  /** Log position at each snapshot not completed yet, by checkpoint id. */
  private readonly snapshots = new Map<number, number>();

  constructor(log: QueueLog<T>, ctx: SourceReaderContext) {
    this.log = log;
    this.checkpointing = ctx.checkpointing === true;
  }

  start(): void {}

  addSplits(splits: readonly QueueSplit<T>[]): void {
    for (const split of splits) {
      this.restored = split.pending;
      this.restoredNext = 0;
      // The same log (a restart in this process): go on after the snapshot. Another log (a new
      // process): everything in it was pushed after the snapshot.
      this.cursor = Math.max(split.logId === this.log.id ? split.nextSeq : 0, this.log.first);
    }
  }

  notifyNoMoreSplits(): void {}

  /** Values pushed (or restored) and not emitted yet. */
  get backlog(): number {
    if (this.cursor < 0) return this.log.end - this.log.first;
    return this.restored.length - this.restoredNext + this.log.end - this.cursor;
  }

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.cursor < 0) return 'nothing-available';
    let budget = BATCH;
    const restored = this.restored;
    while (budget > 0 && this.restoredNext < restored.length) {
      output.collect(restored[this.restoredNext++] as T);
      budget--;
    }
    const log = this.log;
    while (budget > 0 && this.cursor < log.end) {
      output.collect(log.at(this.cursor++));
      budget--;
    }
    if (!this.checkpointing) log.trim(this.cursor); // nothing is ever replayed: keep only the unread part
    if (this.backlog > 0) return 'more-available';
    return log.ended ? 'end-of-input' : 'nothing-available';
  }

  isAvailable(): Promise<void> {
    if (this.cursor >= 0 && (this.backlog > 0 || this.log.ended)) return Promise.resolve();
    return this.log.next();
  }

  snapshotState(checkpointId: number): QueueSplit<T>[] {
    if (this.cursor < 0) return [];
    const log = this.log;
    const pending = this.restored.slice(this.restoredNext);
    for (let seq = this.cursor; seq < log.end; seq++) pending.push(log.at(seq));
    this.snapshots.set(checkpointId, log.end);
    return [{ splitId: SPLIT_ID, logId: log.id, nextSeq: log.end, pending }];
  }

  /** A restore now starts at this checkpoint or a later one: the log before it is not needed again. */
  notifyCheckpointComplete(checkpointId: number): void {
    const position = this.snapshots.get(checkpointId);
    for (const id of [...this.snapshots.keys()]) if (id <= checkpointId) this.snapshots.delete(id);
    if (position !== undefined && this.log.reader === this) this.log.trim(Math.min(position, this.cursor));
  }

  close(): void {} // stays the log's reader (for `backlog`) until the next attempt creates one
}

class QueueEnumerator<T> implements SplitEnumerator<QueueSplit<T>, { assigned: boolean }> {
  private readonly ctx: SplitEnumeratorContext<QueueSplit<T>>;
  private readonly logId: string;
  private assigned: boolean;

  constructor(ctx: SplitEnumeratorContext<QueueSplit<T>>, logId: string, assigned: boolean) {
    this.ctx = ctx;
    this.logId = logId;
    this.assigned = assigned;
  }
  start(): void {}
  addReader(subtask: number): void {
    if (!this.assigned) {
      this.assigned = true;
      this.ctx.assignSplits(subtask, [{ splitId: SPLIT_ID, logId: this.logId, nextSeq: 0, pending: [] }]);
    }
    this.ctx.signalNoMoreSplits(subtask);
  }
  addSplitsBack(splits: readonly QueueSplit<T>[], subtask: number): void {
    this.ctx.assignSplits(subtask, splits);
  }
  snapshotState(): { assigned: boolean } {
    return { assigned: this.assigned };
  }
  close(): void {}
}

/**
 * An unbounded, non-parallel source that code outside the job feeds with {@link QueueSource.push}
 * (an HTTP route, a message listener, a test): the values reach the running job in push order.
 *
 * Checkpoints hold every value pushed but not yet emitted, so a stop-with-savepoint and the
 * restore after it lose nothing. After a failure in the same process, the restored job also gets
 * what was pushed after its checkpoint (the source keeps that part of its log until a later
 * checkpoint completes): exactly once, with one limit — a restore from a checkpoint older than
 * the last completed one (falling back past a damaged one) misses what was pushed in between.
 * Without checkpointing, emitted values are dropped at once.
 *
 * It runs in the thread that built the job: use it with `env.execute`/`executeAsync` or
 * `startJob` with `slots: 1` (a multi-threaded job with a QueueSource is rejected at start).
 * One running job per instance. Values must be structured-cloneable (they go into checkpoints)
 * and are shown as JSON in checkpoint listings while pending.
 *
 * @example
 * ```ts
 * const commands = new QueueSource<Command>();
 * env.fromSource(commands, WatermarkStrategy.noWatermarks(), 'commands').process('apply', applyCommand);
 * const client = env.executeAsync('controlled');
 * commands.push({ type: 'pause' }); // from anywhere in this thread, e.g. an HTTP route
 * ```
 */
export class QueueSource<T> implements Source<T, QueueSplit<T>, { assigned: boolean }> {
  readonly boundedness = 'unbounded' as const;
  readonly maxParallelism = 1;
  private readonly log = new QueueLog<T>();

  /**
   * Hands `value` to the job: queued now, emitted on the job's next poll (in push order).
   * Throws `ILLEGAL_STATE` after {@link QueueSource.end}.
   *
   * @example
   * ```ts
   * ruleUpdates.push({ id: 'lower-velocity', effectiveTime, rules: { velocity: { maxTransactions: 3 } } });
   * ```
   */
  push(value: T): void {
    if (this.log.ended) {
      throw new SluiceError(
        'ILLEGAL_STATE',
        'This QueueSource was ended, so it takes no more values; build the job with a new QueueSource to push more.',
      );
    }
    this.log.push(value);
  }

  /**
   * No more values: the source finishes once everything pushed is emitted (its watermark then
   * reaches the end of time, so a job whose other sources are bounded can finish).
   *
   * @example
   * ```ts
   * source.push(last);
   * source.end();
   * await client.result;
   * ```
   */
  end(): void {
    this.log.ended = true;
    this.log.signal();
  }

  /**
   * Whether {@link QueueSource.end} was called.
   *
   * @example
   * ```ts
   * if (!source.ended) source.push(value);
   * ```
   */
  get ended(): boolean {
    return this.log.ended;
  }

  /**
   * Values pushed (or restored from a checkpoint) that the running job has not emitted yet.
   *
   * @example
   * ```ts
   * if (source.backlog > 10_000) throw new Error('too many pending commands; retry later');
   * ```
   */
  get backlog(): number {
    return this.log.reader?.backlog ?? this.log.end - this.log.first;
  }

  createEnumerator(ctx: SplitEnumeratorContext<QueueSplit<T>>): SplitEnumerator<QueueSplit<T>, { assigned: boolean }> {
    return new QueueEnumerator<T>(ctx, this.log.id, false);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<QueueSplit<T>>,
    state: { assigned: boolean },
  ): SplitEnumerator<QueueSplit<T>, { assigned: boolean }> {
    return new QueueEnumerator<T>(ctx, this.log.id, state.assigned);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, QueueSplit<T>> {
    // A new attempt of the job (after a failure) replaces the reader of the failed one.
    const reader = new QueueReader<T>(this.log, ctx);
    this.log.reader = reader;
    return reader;
  }
}
