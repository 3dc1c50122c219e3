import type { Sink, SinkWriter } from '@sluice/core';
import type { LatencyRecorder } from '../measure.ts';
import type { EventTimeProbe } from './event-time-probe.ts';

/**
 * Counts outputs and records the event-to-output latency of one in `sampling` of them (see
 * {@link EventTimeProbe}). Outputs whose event time was never reached by the source (windows
 * closed by the end of the input rather than by a later event) have no latency and are skipped.
 */
export class LatencySink<T> implements Sink<T> {
  count = 0;
  /** Outputs whose latency was recorded. */
  samples = 0;
  private readonly outputTime: (out: T, timestamp: number) => number;
  private readonly probe: EventTimeProbe;
  private readonly latency: LatencyRecorder;
  private readonly sampling: number;

  constructor(
    outputTime: (out: T, timestamp: number) => number,
    probe: EventTimeProbe,
    latency: LatencyRecorder,
    sampling = 1,
  ) {
    this.outputTime = outputTime;
    this.probe = probe;
    this.latency = latency;
    this.sampling = sampling;
  }

  createWriter(): SinkWriter<T> {
    return {
      write: (value, timestamp) => {
        if (this.count++ % this.sampling !== 0) return;
        const reached = this.probe.firstAtOrAfter(this.outputTime(value, timestamp));
        if (reached === undefined) return;
        this.latency.record(performance.now() - reached);
        this.samples++;
      },
      flush() {},
      close() {},
    };
  }
}
