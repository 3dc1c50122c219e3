import { type CollectSink, StreamExecutionEnvironment, startJob, WatermarkStrategy } from '@sluice/core';
import { LatencyRecorder, peakRssMb, round, type RunResult } from '../measure.ts';
import { ArraySource } from './array-source.ts';
import { CountingSink } from './counting-sink.ts';
import { EVENTS_PER_MS, type WindowFired } from './keyed-window.job.ts';

/** A micro-benchmark record: a key and a value, with an event time. */
export interface MicroEvent {
  readonly key: number;
  readonly value: number;
  readonly time: number;
}

/** Builds `n` events over `keys` keys, one per ms of event time. */
export function makeEvents(n: number, keys: number): MicroEvent[] {
  const events = new Array<MicroEvent>(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    events[i] = { key: (x >>> 8) % keys, value: i & 1023, time: i };
  }
  return events;
}

/** A micro query: builds the pipeline from a stream of events into a counting sink. */
export type MicroQuery = (
  env: StreamExecutionEnvironment,
  source: ArraySource<MicroEvent>,
  sink: CountingSink<unknown>,
) => void;

export const MICRO_QUERIES: Record<string, { keys: number; build: MicroQuery }> = {
  /** map → filter → map chain, stateless. */
  'map-filter': {
    keys: 1,
    build(env, source, sink) {
      env
        .fromSource(source, WatermarkStrategy.noWatermarks<MicroEvent>(), 'events')
        .map('scale', (e) => e.value * 3)
        .filter('odd', (v) => (v & 1) === 1)
        .map('inc', (v) => v + 1)
        .sinkTo(sink, 'count');
    },
  },
  /** keyBy over 100k keys with a rolling count per key (keyed state read + write per record). */
  'keyed-count': {
    keys: 100_000,
    build(env, source, sink) {
      env
        .fromSource(source, WatermarkStrategy.noWatermarks<MicroEvent>(), 'events')
        .keyBy((e) => e.key)
        .aggregate('count-per-key', {
          createAccumulator: () => 0,
          add: (_e, acc: number) => acc + 1,
          getResult: (acc) => acc,
        })
        .sinkTo(sink, 'count');
    },
  },
};

/** Runs one micro query once and measures it. */
export async function runMicro(name: string, events: readonly MicroEvent[], parallelism: number): Promise<RunResult> {
  const query = MICRO_QUERIES[name];
  if (query === undefined) throw new RangeError(`unknown micro query '${name}'`);
  const latency = new LatencyRecorder();
  const env = StreamExecutionEnvironment.create({ parallelism });
  const sink = new CountingSink<unknown>();
  query.build(env, new ArraySource(events, latency), sink);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await env.execute(`micro-${name}`);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    query: `micro/${name}`,
    events: events.length,
    parallelism,
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round(events.length / seconds),
    p50LatencyMs: round(latency.percentile(50), 3),
    p99LatencyMs: round(latency.percentile(99), 3),
    peakRssMb: peakRssMb(),
    cpuSecondsPerMillion: round((cpu.user + cpu.system) / 1e6 / (events.length / 1e6), 3),
    outputs: sink.count,
  };
}

/**
 * Steady-state throughput of a keyed-window run from its progress marks: the events between the
 * first window ending at or after `from` of the run's event time and the last one ending at or
 * before `to`, divided by the wall time between those windows firing. A window counts as fired
 * when every thread has started firing it (the latest mark). Undefined when the run is too short
 * to have two such windows.
 *
 * @example
 * ```ts
 * // 10M events at 100 per ms: windows 10 000 … 90 000 ms of event time, 8M events apart.
 * steadyEventsPerSecond(fired, 10_000_000, 100); // e.g. 4.3e6
 * ```
 */
export function steadyEventsPerSecond(
  marks: readonly WindowFired[],
  events: number,
  eventsPerMs: number,
  from = 0.1,
  to = 0.9,
): number | undefined {
  const firedAt = new Map<number, number>();
  for (const { end, atMs } of marks) firedAt.set(end, Math.max(firedAt.get(end) ?? atMs, atMs));
  const duration = events / eventsPerMs;
  let first: number | undefined;
  let last: number | undefined;
  for (const end of firedAt.keys()) {
    if (end >= from * duration && (first === undefined || end < first)) first = end;
    if (end <= to * duration && (last === undefined || end > last)) last = end;
  }
  if (first === undefined || last === undefined || last <= first) return undefined;
  const seconds = ((firedAt.get(last) as number) - (firedAt.get(first) as number)) / 1000;
  return seconds > 0 ? Math.round(((last - first) * eventsPerMs) / seconds) : undefined;
}

/**
 * Runs the keyed-window job module with `parallelism` subtasks on as many worker threads (1 =
 * in-process). `eventsPerSecond` measures the whole run, including worker start-up and module
 * load; `steadyEventsPerSecond` the middle 80% of its event time (see
 * {@link steadyEventsPerSecond}). `aligned`: the sources use watermark alignment (the job's
 * default).
 */
export async function runKeyedWindow(events: number, parallelism: number, aligned = true): Promise<RunResult> {
  const module = new URL(
    import.meta.url.endsWith('.ts') ? './keyed-window.job.ts' : './keyed-window.job.js',
    import.meta.url,
  );
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const job = await startJob<{
    sink: CountingSink<unknown>;
    latencies: CollectSink<number>;
    fired: CollectSink<WindowFired>;
  }>(module, {
    parallelism,
    slots: parallelism,
    params: { events, keys: 100_000, aligned },
  });
  await job.result;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const latency = new LatencyRecorder();
  for (const ms of job.built.latencies.values) latency.record(ms);
  const steady = steadyEventsPerSecond(job.built.fired.values, events, EVENTS_PER_MS);
  return {
    query: 'micro/keyed-window',
    events,
    parallelism,
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round(events / seconds),
    ...(steady === undefined ? {} : { steadyEventsPerSecond: steady }),
    // Window latency: from the first event past a window's end to the window's result (sampled keys).
    p50LatencyMs: round(latency.percentile(50), 3),
    p99LatencyMs: round(latency.percentile(99), 3),
    peakRssMb: peakRssMb(),
    // Whole-process CPU (process.cpuUsage counts every thread: workers and V8 helpers included).
    cpuSecondsPerMillion: round((cpu.user + cpu.system) / 1e6 / (events / 1e6), 3),
    // Thread runs count outputs inside the workers (a CountingSink is not shipped back).
    outputs: parallelism === 1 ? job.built.sink.count : -1,
  };
}
