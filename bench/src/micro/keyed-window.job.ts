import { CountingSink } from './counting-sink.ts';
import { DataGeneratorSource, defineJob, TumblingEventTimeWindows, WatermarkStrategy } from '@sluice/core';

/** A keyed event: key, and event time (100 events per ms). */
export interface WindowEvent {
  readonly key: number;
  readonly time: number;
}

/**
 * Keyed tumbling-window count: `events` generated events over `keys` keys, 1-second event-time
 * windows (100k events each, so every key is live in every window), counted per key and window.
 * Run through `startJob`, so the same module runs in-process or on worker threads.
 */
export default defineJob(
  'micro-keyed-window',
  (env, params) => {
    // Records are plain data: JSON crosses threads about twice as fast as structured clone.
    const events = Number(params.events ?? 2_000_000);
    const keys = Number(params.keys ?? 100_000);
    const sink = new CountingSink<unknown>();
    env
      .fromSource(
        new DataGeneratorSource<WindowEvent>({
          count: events,
          seed: 11,
          generate: (i, random) => ({ key: random.nextInt(keys), time: Math.floor(i / 100) }),
        }),
        WatermarkStrategy.forMonotonousTimestamps<WindowEvent>().withTimestampAssigner((e) => e.time),
        'events',
      )
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of(1000))
      .aggregate('count-per-key-window', {
        createAccumulator: () => 0,
        add: (_e: WindowEvent, acc: number) => acc + 1,
        getResult: (acc: number) => acc,
      })
      .sinkTo(sink, 'count');
    return { sink };
  },
  { crossThreadCodec: 'json' },
);
