import type { Sink, SinkWriter } from '@sluice/core';

/** Counts records and keeps nothing (so the benchmark measures the pipeline, not the sink). */
export class CountingSink<T> implements Sink<T> {
  count = 0;

  createWriter(): SinkWriter<T> {
    return {
      write: () => {
        this.count++;
      },
      flush() {},
      close() {},
    };
  }
}
