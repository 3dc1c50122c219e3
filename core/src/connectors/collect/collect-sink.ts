import type { Sink, SinkWriter } from '../../api/sink.ts';
import type { Timestamp } from '../../time/timestamps.ts';

/** A collected record with its event timestamp. */
export interface CollectedRecord<T> {
  readonly value: T;
  readonly timestamp: Timestamp;
}

/**
 * Collects every record in memory, for tests and small bounded jobs. All subtasks append to
 * the same array; in a multi-threaded run (`startJob` with `slots`), each worker's records are
 * shipped to the caller's instance when the job ends. Values must be structured-cloneable then.
 *
 * @example
 * ```ts
 * const sink = new CollectSink<number>();
 * env.fromElements(1, 2, 3).map((n) => n * 2).sinkTo(sink);
 * await env.execute();
 * sink.values; // [2, 4, 6]
 * ```
 */
export class CollectSink<T> implements Sink<T> {
  /** Records in arrival order. */
  readonly records: CollectedRecord<T>[] = [];

  /** The collected values, in arrival order. */
  get values(): T[] {
    return this.records.map((r) => r.value);
  }

  /** @internal Removes and returns the records (a worker thread ships them to the caller). */
  takeRecords(): CollectedRecord<T>[] {
    return this.records.splice(0, this.records.length);
  }

  /** @internal Appends records collected in another thread. */
  addRecords(records: readonly CollectedRecord<T>[]): void {
    for (const r of records) this.records.push(r);
  }

  createWriter(): SinkWriter<T> {
    const records = this.records;
    return {
      write: (value: T, timestamp: Timestamp) => {
        records.push({ value, timestamp });
      },
      flush: () => {},
      close: () => {},
    };
  }
}
