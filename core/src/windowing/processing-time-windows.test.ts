import {
  CollectSink,
  ContinuousProcessingTimeTrigger,
  DataGeneratorSource,
  GlobalWindows,
  type JobClient,
  ManualClock,
  ProcessingTimeSessionWindows,
  type ProcessWindowFunction,
  SlidingProcessingTimeWindows,
  type Source,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';
import { unboundedSplitSource } from '../connectors/fixtures/unbounded-split-source.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Advances the manual clock `steps` times by `ms`, letting the job loop run after each step. */
async function advance(clock: ManualClock, steps: number, ms = 1000): Promise<void> {
  for (let i = 0; i < steps; i++) {
    clock.advance(ms);
    for (let j = 0; j < 4; j++) await turn();
  }
}

async function stop(client: JobClient): Promise<void> {
  await client.cancel();
  expect(client.status()).toBe('CANCELED');
}

const listing: ProcessWindowFunction<string, string, string, TimeWindow> = {
  process(key, ctx, elements, out) {
    out.collect(`${key} [${ctx.window.start},${ctx.window.end}) ${[...elements].join(',')}`);
  },
};

/** One record per second of the manual clock: record i is emitted at (i + 1) * 1000. */
function ticks(env: StreamExecutionEnvironment, generate: (i: number) => string = (i) => `k${i}`) {
  return env.fromSource(
    new DataGeneratorSource({ generate, recordsPerSecond: 1 }),
    WatermarkStrategy.noWatermarks<string>(),
    'ticks',
  );
}

describe('processing-time windows (ManualClock)', () => {
  it('tumbling windows fire when the clock passes their end', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const sink = new CollectSink<string>();
    ticks(env)
      .keyBy(() => 'all')
      .window(TumblingProcessingTimeWindows.of(5000))
      .process('proc-tumbling', listing)
      .sinkTo(sink);
    const client = env.executeAsync();
    await advance(clock, 4);
    expect(sink.values).toEqual([]);
    await advance(clock, 8);
    await stop(client);
    expect(sink.values).toEqual(['all [0,5000) k0,k1,k2,k3', 'all [5000,10000) k4,k5,k6,k7,k8']);
    expect(sink.records.map((r) => r.timestamp)).toEqual([4999, 9999]);
  });

  it('sliding windows', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const sink = new CollectSink<string>();
    ticks(env)
      .keyBy(() => 'all')
      .window(SlidingProcessingTimeWindows.of(4000, 2000))
      .process('proc-sliding', listing)
      .sinkTo(sink);
    const client = env.executeAsync();
    await advance(clock, 6);
    await stop(client);
    expect(sink.values).toEqual(['all [-2000,2000) k0', 'all [0,4000) k0,k1,k2', 'all [2000,6000) k1,k2,k3,k4']);
  });

  it('session windows close after a gap of processing time', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const sink = new CollectSink<string>();
    // 'a' at 1000, 2000, 3000, then only 'b': the 'a' session [1000, 5500) ends at 5499.
    ticks(env, (i) => (i < 3 ? `a${i}` : `b${i}`))
      .keyBy((k) => k.slice(0, 1))
      .window(ProcessingTimeSessionWindows.withGap(2500))
      .process('proc-sessions', listing)
      .sinkTo(sink);
    const client = env.executeAsync();
    await advance(clock, 5);
    expect(sink.values).toEqual([]);
    await advance(clock, 1);
    await stop(client);
    expect(sink.values).toEqual(['a [1000,5500) a0,a1,a2']);
  });

  it('ContinuousProcessingTimeTrigger fires a global window every interval', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const sink = new CollectSink<number>();
    ticks(env)
      .keyBy(() => 'all')
      .window(GlobalWindows.create())
      .trigger(ContinuousProcessingTimeTrigger.of(3000))
      .aggregate('running-count', {
        createAccumulator: () => 0,
        add: (_v: string, n: number) => n + 1,
        getResult: (n: number) => n,
      })
      .sinkTo(sink);
    const client = env.executeAsync();
    await advance(clock, 10);
    await stop(client);
    // First element at 1000 arms a timer at 3000; then 6000 and 9000.
    expect(sink.values).toEqual([3, 6, 9]);
  });

  it('fires all processing-time windows at end of input in BATCH mode', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock, runtimeMode: 'BATCH' });
    const sink = new CollectSink<string>();
    env
      .fromElements('x1', 'y1', 'x2', 'z1')
      .keyBy((k) => k.slice(0, 1))
      .window(TumblingProcessingTimeWindows.of(1000))
      .process('batch-proc', listing)
      .sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort()).toEqual(['x [0,1000) x1,x2', 'y [0,1000) y1', 'z [0,1000) z1']);
  });

  it('fires processing-time windows of different ends at end of input in BATCH mode', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock, runtimeMode: 'BATCH' });
    const sink = new CollectSink<string>();
    const gaps: Record<string, number> = { x: 1000, y: 2000, z: 3000 };
    env
      .fromElements('x1', 'y1', 'x2', 'z1')
      .keyBy((k) => k.slice(0, 1))
      .window(ProcessingTimeSessionWindows.withDynamicGap<string>((k) => gaps[k.slice(0, 1)] ?? 1))
      .process('batch-proc-sessions', listing)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual(['x [0,1000) x1,x2', 'y [0,2000) y1', 'z [0,3000) z1']);
  });
});

type Reading = { sensor: string; t: number };

/** An unbounded source that emits `values` on its first poll, then never again (an input that goes quiet). */
function quietAfter(values: Reading[]): Source<Reading> {
  return unboundedSplitSource({ splitsOf: () => ['quiet'], recordsOf: () => values, maxParallelism: 1 });
}

describe('idleness', () => {
  async function run(idleTimeoutMs: number | undefined): Promise<string[]> {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock, autoWatermarkIntervalMs: 500 });
    let strategy = WatermarkStrategy.forBoundedOutOfOrderness<Reading>(0).withTimestampAssigner((r) => r.t);
    if (idleTimeoutMs !== undefined) strategy = strategy.withIdleness(idleTimeoutMs);
    // A busy input: one reading per second of processing time, event time 0, 1000, 2000, ...
    const busy = env.fromSource(
      new DataGeneratorSource<Reading>({ generate: (i) => ({ sensor: 'busy', t: i * 1000 }), recordsPerSecond: 1 }),
      strategy,
      'busy',
    );
    // A second input that sends one reading and then goes quiet: without idleness its watermark
    // (-1) holds every window back.
    const quiet = env.fromSource(quietAfter([{ sensor: 'quiet', t: 0 }]), strategy, 'quiet');
    const sink = new CollectSink<string>();
    busy
      .union(quiet)
      .keyBy((r) => r.sensor)
      .window(TumblingEventTimeWindows.of(5000))
      .process<string>('per-5s', {
        process(key, ctx, readings, out) {
          out.collect(`${key} [${ctx.window.start},${ctx.window.end}) ${[...readings].length}`);
        },
      })
      .sinkTo(sink);
    const client = env.executeAsync();
    await advance(clock, 14);
    await stop(client);
    return sink.values;
  }

  it('windows fire thanks to the active input once the quiet one is marked idle', async () => {
    const fired = await run(3000);
    // Busy readings 0..12000 arrived (at clock 1000..13000): watermark 11999.
    expect([...fired].sort()).toEqual(['busy [0,5000) 5', 'busy [5000,10000) 5', 'quiet [0,5000) 1']);
  });

  it('without idleness the quiet input holds the watermark back', async () => {
    expect(await run(undefined)).toEqual([]);
  });
});
