import { DataGeneratorSource, StreamExecutionEnvironment, SystemClock } from '@sluice/core';
import { LatencyRecorder, peakRssMb, type RunResult, round } from '../measure.ts';
import { DEFAULT_NEXMARK_CONFIG } from './config.ts';
import { EventTimeProbe } from './event-time-probe.ts';
import { nexmarkGenerator, nexmarkTimestamp, nexmarkWatermarks } from './generator.ts';
import { LatencySink } from './latency-sink.ts';
import type { NexmarkEvent } from './model.ts';
import { NEXMARK_QUERIES } from './queries.ts';

/**
 * One Nexmark run's figures: {@link RunResult}, except that latency is `null` when no output had
 * a measurable latency (e.g. a run too short for any window to close before the end of input).
 */
export interface NexmarkRunResult extends Omit<RunResult, 'p50LatencyMs' | 'p99LatencyMs'> {
  readonly p50LatencyMs: number | null;
  readonly p99LatencyMs: number | null;
}

/**
 * Runs one Nexmark query in-process over `events` generated events (seed 0, reference settings)
 * with `parallelism` subtasks per operator, and measures it. Latency is event-to-output: for each
 * (sampled) output, the wall time from the moment the source first generated an event at or past
 * the output's event time (see `NexmarkQuery.outputTime`) until the output
 * reached the sink. The source runs unthrottled, so this includes batching and watermark delays
 * but no waiting for a real-time event clock. For processing-time queries (q12) latency is the
 * system clock at the sink minus the moment the window's timer was due.
 *
 * @example
 * ```ts
 * const result = await runNexmark('q5', 1_000_000, 2);
 * console.log(result.eventsPerSecond, result.p99LatencyMs);
 * ```
 */
export async function runNexmark(name: string, events: number, parallelism: number): Promise<NexmarkRunResult> {
  const query = NEXMARK_QUERIES[name];
  if (query === undefined) throw new RangeError(`unknown Nexmark query '${name}'`);
  const base = DEFAULT_NEXMARK_CONFIG.baseTime;
  const probe = new EventTimeProbe(base, nexmarkTimestamp(events) - base);
  const latency = new LatencyRecorder();
  const clock = new SystemClock();
  const latencyOf =
    query.latencyClock === 'processing'
      ? (out: unknown, ts: number): number => clock.now() - query.outputTime(out, ts)
      : (out: unknown, ts: number): number | undefined => {
          const reached = probe.firstAtOrAfter(query.outputTime(out, ts));
          return reached === undefined ? undefined : performance.now() - reached;
        };
  const sink = new LatencySink(latencyOf, latency, query.latencySampling);
  const generate = nexmarkGenerator();
  const source = new DataGeneratorSource<NexmarkEvent>({
    count: events,
    generate: (n, random) => {
      const e = generate(n, random);
      probe.mark(e.dateTime);
      return e;
    },
  });
  const env = StreamExecutionEnvironment.create({ parallelism, clock });
  query.build(env.fromSource(source, nexmarkWatermarks(), 'nexmark')).sinkTo(sink, 'results');
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await env.execute(`nexmark-${name}`);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const measured = sink.samples > 0;
  return {
    query: name,
    events,
    parallelism,
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round(events / seconds),
    p50LatencyMs: measured ? round(latency.percentile(50), 3) : null,
    p99LatencyMs: measured ? round(latency.percentile(99), 3) : null,
    peakRssMb: peakRssMb(),
    cpuSecondsPerMillionEvents: round((cpu.user + cpu.system) / 1e6 / (events / 1e6), 3),
    outputs: sink.count,
  };
}
