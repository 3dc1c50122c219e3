import type { Sink, SinkWriter } from '@sluice/core';
import type { LatencyRecorder } from '../measure.ts';

/**
 * Counts outputs and records the latency of one in `sampling` of them, as `latencyOf` computes it
 * (e.g. from the `EventTimeProbe`). Outputs for which `latencyOf` returns undefined (windows
 * closed by the end of the input rather than by a later event) have no latency and are skipped.
 */
export class LatencySink<T> implements Sink<T> {
  count = 0;
  /** Outputs whose latency was recorded. */
  samples = 0;
  private readonly latencyOf: (out: T, timestamp: number) => number | undefined;
  private readonly latency: LatencyRecorder;
  private readonly sampling: number;

  constructor(latencyOf: (out: T, timestamp: number) => number | undefined, latency: LatencyRecorder, sampling = 1) {
    this.latencyOf = latencyOf;
    this.latency = latency;
    this.sampling = sampling;
  }

  createWriter(): SinkWriter<T> {
    return {
      write: (value, timestamp) => {
        if (this.count++ % this.sampling !== 0) return;
        const ms = this.latencyOf(value, timestamp);
        if (ms === undefined) return;
        this.latency.record(ms);
        this.samples++;
      },
      flush() {},
      close() {},
    };
  }
}
