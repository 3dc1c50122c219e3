import { SluiceError, userFunctionFailed } from '../../errors.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import type { BackpressureSignal } from '../backpressure.ts';
import { AbstractStreamOperator, type OneInputStreamOperator } from '../stream-operator.ts';

/** Settings of an {@link AsyncWaitOperator}. */
export interface AsyncWaitSpec<IN, OUT> {
  readonly fn: (value: IN) => PromiseLike<readonly OUT[]> | readonly OUT[];
  readonly ordered: boolean;
  /** Processing-time budget per request (ms); `Infinity` disables timeouts. */
  readonly timeoutMs: number;
  /** Maximum number of records between invocation and emission. */
  readonly capacity: number;
  /** Fallback results for a timed-out record; without it a timeout fails the job. */
  readonly onTimeout: ((value: IN) => readonly OUT[]) | undefined;
}

/** An admitted (or waiting) input record. */
interface RecordEntry<IN, OUT> {
  readonly value: IN;
  readonly timestamp: Timestamp;
  deadline: number;
  done: boolean;
  results: readonly OUT[] | undefined;
  /** Unordered mode: the watermark-delimited segment the record belongs to. */
  segment: Segment<IN, OUT> | undefined;
}

/** A watermark waiting behind records (ordered queue, overflow). */
interface WatermarkEntry {
  readonly watermark: Timestamp;
}

type Entry<IN, OUT> = RecordEntry<IN, OUT> | WatermarkEntry;

function isWatermark<IN, OUT>(e: Entry<IN, OUT>): e is WatermarkEntry {
  return (e as WatermarkEntry).watermark !== undefined;
}

/** Unordered mode: records between two watermarks; they may overtake each other, never the watermark. */
interface Segment<IN, OUT> {
  pending: number;
  completed: RecordEntry<IN, OUT>[];
  closingWatermark: Timestamp | undefined;
}

/** An array-backed FIFO with an amortised O(1) `shift`. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * Flink's AsyncWaitOperator. Each record is handed to an async function; its results come back
 * through the task mailbox (never from the Promise callback directly) and are emitted with the
 * record's timestamp. Ordered mode emits in input order; unordered mode emits as results complete,
 * but never across a watermark: a watermark is emitted only after every record that came before it,
 * and records after it wait for it.
 *
 * At most `capacity` records are between invocation and emission. Records beyond that wait in an
 * overflow list (not invoked) and the operator reports backpressure, so the runtime stops polling
 * the sources feeding it until results free capacity. Timeouts run on the injected clock through
 * one processing-time callback at a time (deadlines grow in admission order). `finish()` resolves
 * once every record was emitted.
 */
export class AsyncWaitOperator<IN, OUT>
  extends AbstractStreamOperator<OUT>
  implements OneInputStreamOperator<IN, OUT>, BackpressureSignal
{
  private readonly spec: AsyncWaitSpec<IN, OUT>;
  /** Ordered mode: admitted records and watermarks in input order. */
  private readonly ordered = new Fifo<Entry<IN, OUT>>();
  /** Unordered mode: segments in input order; the first one emits as records complete. */
  private readonly segments: Segment<IN, OUT>[] = [{ pending: 0, completed: [], closingWatermark: undefined }];
  /** Records and watermarks that arrived while the queue was full, in input order. */
  private readonly overflow = new Fifo<Entry<IN, OUT>>();
  /** Admitted records in admission (= deadline) order, for timeouts; done ones are skipped lazily. */
  private readonly byDeadline = new Fifo<RecordEntry<IN, OUT>>();
  private admitted = 0;
  private inFlightCount = 0;
  private armedAt = Number.POSITIVE_INFINITY;
  private drained: (() => void) | undefined;
  private closed = false;

  constructor(spec: AsyncWaitSpec<IN, OUT>) {
    super();
    this.spec = spec;
  }

  /** Records invoked and not completed yet. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Records admitted and not yet emitted (in flight or waiting for their turn). */
  get queued(): number {
    return this.admitted;
  }

  /** Records and watermarks waiting for capacity. */
  get waiting(): number {
    return this.overflow.size;
  }

  isBackpressured(): boolean {
    return this.overflow.size > 0 || this.admitted >= this.spec.capacity;
  }

  processElement(value: IN, timestamp: Timestamp): void {
    const entry: RecordEntry<IN, OUT> = {
      value,
      timestamp,
      deadline: 0,
      done: false,
      results: undefined,
      segment: undefined,
    };
    if (this.overflow.size > 0 || this.admitted >= this.spec.capacity) this.overflow.push(entry);
    else this.admit(entry);
  }

  override processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    if (this.overflow.size > 0) this.overflow.push({ watermark });
    else this.enqueueWatermark(watermark);
  }

  override finish(): void | Promise<void> {
    if (this.isEmpty()) return;
    return new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }

  override close(): void {
    this.closed = true;
  }

  private isEmpty(): boolean {
    return this.admitted === 0 && this.overflow.size === 0;
  }

  private admit(entry: RecordEntry<IN, OUT>): void {
    this.admitted++;
    this.inFlightCount++;
    if (this.spec.ordered) this.ordered.push(entry);
    else {
      const segment = this.segments[this.segments.length - 1] as Segment<IN, OUT>;
      segment.pending++;
      entry.segment = segment;
    }
    if (this.spec.timeoutMs !== Number.POSITIVE_INFINITY) {
      entry.deadline = this.ctx.clock.now() + this.spec.timeoutMs;
      this.byDeadline.push(entry);
      this.armTimeout();
    }
    let result: PromiseLike<readonly OUT[]> | readonly OUT[];
    try {
      result = this.spec.fn(entry.value);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    const mailbox = this.ctx.mailbox;
    Promise.resolve(result).then(
      (results) => mailbox.submit(() => this.complete(entry, results)),
      (error: unknown) => mailbox.submit(() => this.fail(entry, error)),
    );
  }

  private complete(entry: RecordEntry<IN, OUT>, results: readonly OUT[]): void {
    if (entry.done || this.closed) return; // timed out already, or the job stopped
    if (!Array.isArray(results)) {
      throw new SluiceError(
        'USER_FUNCTION_FAILED',
        `Async function of '${this.ctx.name}' resolved to ${typeof results}; it must resolve to an array of results (empty for none).`,
      );
    }
    entry.done = true;
    entry.results = results;
    this.inFlightCount--;
    if (this.spec.ordered) this.emitOrderedHead();
    else this.completeUnordered(entry);
    this.admitWaiting();
    if (this.drained !== undefined && this.isEmpty()) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }

  private fail(entry: RecordEntry<IN, OUT>, error: unknown): void {
    if (entry.done || this.closed) return;
    throw userFunctionFailed(this.ctx.name, error);
  }

  private emitRecord(entry: RecordEntry<IN, OUT>): void {
    this.admitted--;
    const results = entry.results as readonly OUT[];
    for (let i = 0; i < results.length; i++) this.out.collect(results[i] as OUT, entry.timestamp);
  }

  private enqueueWatermark(watermark: Timestamp): void {
    if (this.spec.ordered) {
      if (this.ordered.size === 0) this.out.emitWatermark(watermark);
      else this.ordered.push({ watermark });
      return;
    }
    const last = this.segments[this.segments.length - 1] as Segment<IN, OUT>;
    if (this.segments.length === 1 && last.pending === 0) {
      this.out.emitWatermark(watermark);
      return;
    }
    last.closingWatermark = watermark;
    this.segments.push({ pending: 0, completed: [], closingWatermark: undefined });
  }

  private emitOrderedHead(): void {
    for (let head = this.ordered.peek(); head !== undefined; head = this.ordered.peek()) {
      if (isWatermark(head)) {
        this.ordered.shift();
        this.out.emitWatermark(head.watermark);
      } else if (head.done) {
        this.ordered.shift();
        this.emitRecord(head);
      } else return;
    }
  }

  private completeUnordered(entry: RecordEntry<IN, OUT>): void {
    const segment = entry.segment as Segment<IN, OUT>;
    entry.segment = undefined;
    segment.pending--;
    if (segment === this.segments[0]) this.emitRecord(entry);
    else segment.completed.push(entry);
    // A finished first segment releases its watermark, then the next segment's completed records.
    let first = this.segments[0] as Segment<IN, OUT>;
    while (first.pending === 0 && first.closingWatermark !== undefined) {
      this.segments.shift();
      this.out.emitWatermark(first.closingWatermark);
      first = this.segments[0] as Segment<IN, OUT>;
      const ready = first.completed;
      first.completed = [];
      for (const r of ready) this.emitRecord(r);
    }
  }

  /** Moves waiting records (and the watermarks between them) into the queue while there is room. */
  private admitWaiting(): void {
    for (let next = this.overflow.peek(); next !== undefined; next = this.overflow.peek()) {
      if (isWatermark(next)) {
        this.overflow.shift();
        this.enqueueWatermark(next.watermark);
      } else if (this.admitted < this.spec.capacity) {
        this.overflow.shift();
        this.admit(next);
      } else return;
    }
  }

  private armTimeout(): void {
    let head = this.byDeadline.peek();
    while (head !== undefined && head.done) {
      this.byDeadline.shift();
      head = this.byDeadline.peek();
    }
    if (head !== undefined && head.deadline < this.armedAt) {
      this.armedAt = head.deadline;
      this.ctx.processingTime.schedule(head.deadline, () => this.checkTimeouts());
    }
  }

  private checkTimeouts(): void {
    this.armedAt = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    // The injected clock, not the scheduler's time: at a BATCH end of input the scheduler fires
    // everything early, and a request must not time out before its deadline.
    const now = this.ctx.clock.now();
    for (let head = this.byDeadline.peek(); head !== undefined; head = this.byDeadline.peek()) {
      if (head.done) {
        this.byDeadline.shift();
        continue;
      }
      if (head.deadline > now) break;
      this.byDeadline.shift();
      this.timeOut(head);
    }
    this.armTimeout();
  }

  private timeOut(entry: RecordEntry<IN, OUT>): void {
    const handler = this.spec.onTimeout;
    if (handler === undefined) {
      throw new SluiceError(
        'ASYNC_TIMEOUT',
        `Async operator '${this.ctx.name}' got no result within ${this.spec.timeoutMs} ms for a record` +
          `${entry.timestamp === NO_TIMESTAMP ? '' : ` (timestamp ${entry.timestamp})`}. Raise timeoutMs, or pass a ` +
          'timeout handler that returns fallback results.',
      );
    }
    let results: readonly OUT[];
    try {
      results = handler(entry.value);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    this.complete(entry, results);
  }
}
