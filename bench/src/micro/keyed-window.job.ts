import { CountingSink } from './counting-sink.ts';
import {
  CollectSink,
  DataGeneratorSource,
  defineJob,
  OutputTag,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '@sluice/core';

/** A keyed event: key, and event time (100 events per ms). */
export interface WindowEvent {
  readonly key: number;
  readonly time: number;
}

const WINDOW_MS = 1000;
/**
 * Watermark alignment: the source subtasks (one per thread) stay within one window of each other,
 * re-checked every 10 ms (event time here runs ~20,000× faster than the wall clock, so Flink's
 * 1 s default would let them drift apart by minutes of event time between checks). Without it
 * they drift 10–20 windows apart at parallelism 2, and every window operator holds that many
 * windows at once.
 */
const ALIGNMENT_UPDATE_MS = 10;
const LATENCY = new OutputTag<number>('window-latency-ms');
/** Events per millisecond of event time: event `i` has time `floor(i / EVENTS_PER_MS)`. */
export const EVENTS_PER_MS = 100;

/** When one thread started firing the window ending at `end`: epoch ms (comparable across threads). */
export interface WindowFired {
  readonly end: number;
  readonly atMs: number;
}
const FIRED = new OutputTag<WindowFired>('window-fired');

/**
 * Latency probe (benchmark instrumentation, not an operator pattern: it reads the wall clock).
 * `firstAfter[end]` is when this thread's source first emitted an event at or past `end`, i.e.
 * when the window [end - 1000, end) could first be closed by a watermark. A window result's
 * latency is the wall time from then until the result reaches the sink.
 */
const firstAfter = new Map<number, number>();
let nextBoundary = WINDOW_MS;
/** The last window this thread reported in `FIRED` (windows fire in order of their end). */
let lastFiredEnd = Number.NEGATIVE_INFINITY;

/**
 * Keyed tumbling-window count: `events` generated events over `keys` keys, 1-second event-time
 * windows (100k events each, so every key is live in every window), counted per key and window.
 * Run through `startJob`, so the same module runs in-process or on worker threads. Params:
 * `events`, `keys`, `aligned` (default true: watermark alignment between the source subtasks).
 * Besides the counts, it returns two probes: sampled window latencies, and one {@link WindowFired}
 * per window and thread (the progress marks a steady-state throughput is computed from).
 */
export default defineJob(
  'micro-keyed-window',
  (env, params) => {
    const events = Number(params.events ?? 2_000_000);
    const keys = Number(params.keys ?? 100_000);
    const aligned = params.aligned !== false;
    const strategy = WatermarkStrategy.forMonotonousTimestamps<WindowEvent>().withTimestampAssigner((e) => e.time);
    // The probes are module state: in-process, the warm-up run and the measured run share them.
    firstAfter.clear();
    nextBoundary = WINDOW_MS;
    lastFiredEnd = Number.NEGATIVE_INFINITY;
    const sink = new CountingSink<unknown>();
    const latencies = new CollectSink<number>();
    const fired = new CollectSink<WindowFired>();
    const countWithLatency: ProcessWindowFunction<number, number, number, TimeWindow> = {
      process(key, ctx, counts, out) {
        for (const n of counts) out.collect(n);
        const end = ctx.window.end;
        if (end > lastFiredEnd) {
          lastFiredEnd = end;
          ctx.output(FIRED, { end, atMs: performance.timeOrigin + performance.now() });
        }
        // Sample 1 key in 1,000 so the probe costs nothing measurable.
        if (key % 1000 === 0) {
          const opened = firstAfter.get(ctx.window.end);
          if (opened !== undefined) ctx.output(LATENCY, performance.now() - opened);
        }
      },
    };
    const counts = env
      .fromSource(
        new DataGeneratorSource<WindowEvent>({
          count: events,
          seed: 11,
          generate: (i, random) => {
            const time = Math.floor(i / EVENTS_PER_MS);
            if (time >= nextBoundary) {
              firstAfter.set(nextBoundary, performance.now());
              nextBoundary += WINDOW_MS;
            }
            return { key: random.nextInt(keys), time };
          },
        }),
        aligned ? strategy.withWatermarkAlignment('events', WINDOW_MS, ALIGNMENT_UPDATE_MS) : strategy,
        'events',
      )
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of(WINDOW_MS))
      .aggregate(
        'count-per-key-window',
        {
          createAccumulator: () => 0,
          add: (_e: WindowEvent, acc: number) => acc + 1,
          getResult: (acc: number) => acc,
        },
        countWithLatency,
      );
    counts.sinkTo(sink, 'count');
    counts.getSideOutput(LATENCY).sinkTo(latencies, 'latencies');
    counts.getSideOutput(FIRED).sinkTo(fired, 'fired');
    return { sink, latencies, fired };
  },
  // Records are plain data: JSON crosses threads about twice as fast as structured clone.
  { crossThreadCodec: 'json' },
);
