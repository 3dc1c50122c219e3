import type { DataStream } from '@sluice/core';
import type { NexmarkEvent } from './model.ts';
import { q0 } from './queries/q0.ts';
import { q1 } from './queries/q1.ts';
import { q2 } from './queries/q2.ts';
import { q3 } from './queries/q3.ts';
import { q4 } from './queries/q4.ts';
import { q5 } from './queries/q5.ts';
import { q7 } from './queries/q7.ts';
import { q8 } from './queries/q8.ts';
import { q11 } from './queries/q11.ts';
import { q12 } from './queries/q12.ts';

/**
 * A Nexmark query as the benchmark runs it: the pipeline, and for each output the event time at
 * which it became known, from which latency is measured (see `runNexmark`).
 */
export interface NexmarkQuery<Out = unknown> {
  readonly build: (events: DataStream<NexmarkEvent>) => DataStream<Out>;
  /**
   * Time from which the output could exist, given the output and its record timestamp. Event time
   * (see {@link NexmarkQuery.latencyClock}): a row's own time (q0-q3); a window's end (q5, q7, q8,
   * q11); the closing auction's expiry + 1 (q4: its timer fires when the watermark, the highest
   * time - 1, reaches the expiry). For q3, a join row emitted when a late seller arrives carries
   * the seller's time, which overstates its latency. Processing time (q12): the window's last
   * millisecond, when its processing-time timer is due.
   */
  readonly outputTime: (out: Out, timestamp: number) => number;
  /**
   * Which time `outputTime` is in: 'event' (default; latency from the moment the source generated
   * that event time) or 'processing' (latency = the job's processing-time clock at the sink minus
   * `outputTime`, so 1 ms resolution).
   */
  readonly latencyClock?: 'event' | 'processing';
  /** Record the latency of one output in this many (stateless queries emit one row per event). */
  readonly latencySampling: number;
}

function query<Out>(q: NexmarkQuery<Out>): NexmarkQuery {
  return q as unknown as NexmarkQuery;
}

/**
 * The implemented Nexmark queries by name, with the reference window sizes (10 s; q5 slides by
 * 2 s; q11's session gap 10 s) except q12: the benchmark runs it with 1 s processing-time windows
 * (reference: 10 s). A 2M-event run lasts about 2 s of wall time and a processing-time window
 * still open at the end of a bounded STREAMING run never fires, so 10 s windows would mostly emit
 * nothing and measure no latency; the work per bid (assign, update the count) is the same.
 *
 * @example
 * ```ts
 * const q = NEXMARK_QUERIES.q5;
 * if (q) q.build(events).sinkTo(sink);
 * ```
 */
export const NEXMARK_QUERIES: Readonly<Record<string, NexmarkQuery>> = {
  q0: query({ build: q0, outputTime: (_e, ts) => ts, latencySampling: 64 }),
  q1: query({ build: q1, outputTime: (_b, ts) => ts, latencySampling: 64 }),
  q2: query({ build: q2, outputTime: (_r, ts) => ts, latencySampling: 1 }),
  q3: query({ build: q3, outputTime: (_r, ts) => ts, latencySampling: 1 }),
  q4: query({ build: q4, outputTime: (_r, ts) => ts + 1, latencySampling: 1 }),
  q5: query({ build: (e) => q5(e), outputTime: (r) => r.windowEnd, latencySampling: 1 }),
  q7: query({ build: (e) => q7(e), outputTime: (r) => r.windowEnd, latencySampling: 1 }),
  q8: query({ build: (e) => q8(e), outputTime: (_r, ts) => ts + 1, latencySampling: 1 }),
  q11: query({ build: (e) => q11(e), outputTime: (r) => r.end, latencySampling: 1 }),
  q12: query({
    build: (e) => q12(e, { windowMs: 1_000 }),
    outputTime: (r) => r.windowEnd - 1,
    latencyClock: 'processing',
    latencySampling: 1,
  }),
};
