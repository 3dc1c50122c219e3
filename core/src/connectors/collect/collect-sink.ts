import type { Sink, SinkWriter } from '../../api/sink.ts';
import type { Timestamp } from '../../time/timestamps.ts';

/** A collected record with its event timestamp. */
export interface CollectedRecord<T> {
  readonly value: T;
  readonly timestamp: Timestamp;
}

/**
 * Collects every record in memory, for tests and small bounded jobs. All subtasks append to
 * the same arrays (in-process execution).
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
