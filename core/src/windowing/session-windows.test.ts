import {
  type AggregateFunction,
  CollectSink,
  ContinuousEventTimeTrigger,
  CountTrigger,
  DataGeneratorSource,
  type DataStream,
  EventTimeSessionWindows,
  OutputTag,
  type ProcessWindowFunction,
  StreamExecutionEnvironment,
  type TimeWindow,
  type Trigger,
  TriggerResult,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Evt = { key: string; t: number; v: number };
const e = (key: string, t: number, v = 1): Evt => ({ key, t, v });

function events(env: StreamExecutionEnvironment, list: Evt[], bound = 0): DataStream<Evt> {
  return env
    .fromSource(
      new DataGeneratorSource({ count: list.length, batchSize: 1, generate: (i) => list[i] as Evt }),
      WatermarkStrategy.forBoundedOutOfOrderness<Evt>(bound).withTimestampAssigner((x) => x.t),
      'events',
    )
    .setParallelism(1);
}

const sessionOf: ProcessWindowFunction<number, string, string, TimeWindow> = {
  process(key, ctx, results, out) {
    for (const r of results) out.collect(`${key} [${ctx.window.start},${ctx.window.end}) ${r}`);
  },
};

const sumV: AggregateFunction<Evt, number, number> = {
  createAccumulator: () => 0,
  add: (x, acc) => acc + x.v,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

describe('event-time session windows', () => {
  // Two sessions of 'a' ([0,1500) and [2200,3200)), then a bridging event at 1400 whose window
  // [1400,2400) overlaps both: all merge into [0,3200). 'b' keeps its own session.
  const bridged = [e('a', 0, 1), e('a', 500, 2), e('b', 600, 100), e('a', 2200, 4), e('a', 1400, 8), e('a', 9000, 16)];

  it('merges sessions, including through a bridging event (aggregate with merge)', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, bridged, 5000)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000))
      .aggregate('session-sum', sumV, sessionOf)
      .sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort()).toEqual(['a [0,3200) 15', 'a [9000,10000) 16', 'b [600,1600) 100']);
    const merged = sink.records.find((r) => r.value.startsWith('a [0,3200)'));
    expect(merged?.timestamp).toBe(3199);
  });

  it('merges list contents for process functions and reduce state', async () => {
    const env = StreamExecutionEnvironment.create();
    const listed = new CollectSink<string>();
    const reduced = new CollectSink<number>();
    const keyed = events(env, bridged, 5000).keyBy((x) => x.key);
    keyed
      .window(EventTimeSessionWindows.withGap(1000))
      .process<string>('session-list', {
        process(key, ctx, elements, out) {
          out.collect(
            `${key}@${ctx.window.start}: ${[...elements]
              .map((x) => x.t)
              .sort((a, b) => a - b)
              .join(',')}`,
          );
        },
      })
      .sinkTo(listed, 'listed');
    keyed
      .window(EventTimeSessionWindows.withGap(1000))
      .reduce('session-reduce', (a, b) => ({ ...a, v: a.v + b.v }))
      .map('value', (x) => x.v)
      .sinkTo(reduced, 'reduced');
    await env.execute();
    expect([...listed.values].sort()).toEqual(['a@0: 0,500,1400,2200', 'a@9000: 9000', 'b@600: 600']);
    expect([...reduced.values].sort((a, b) => a - b)).toEqual([15, 16, 100]);
  });

  it('supports dynamic gaps', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    // 'long' elements keep their session open for 5 s, others for 1 s.
    events(env, [e('a', 0, 1), e('a', 3000, 2), e('z', 0, 1), e('z', 3000, 2)], 10_000)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withDynamicGap<Evt>((x) => (x.key === 'z' ? 5000 : 1000)))
      .aggregate('dynamic', sumV, sessionOf)
      .sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort()).toEqual(['a [0,1000) 1', 'a [3000,4000) 2', 'z [0,8000) 3']);
  });

  it('merges trigger state: a count trigger over merged sessions', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    // Each of the two sessions holds 2 elements; the bridge makes 5, which reaches the count of 3.
    events(env, [e('a', 0), e('a', 100), e('a', 2000), e('a', 2100), e('a', 1000)], 10_000)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000))
      .trigger(CountTrigger.of(3))
      .aggregate('count-sessions', sumV, sessionOf)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual(['a [0,3100) 5']);
  });

  it('continuous triggers keep firing across merges', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, [e('a', 0), e('a', 900), e('a', 1800), e('a', 2700)], 0)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000))
      .trigger(ContinuousEventTimeTrigger.of(1000))
      .aggregate('continuous-session', sumV, sessionOf)
      .sinkTo(sink);
    await env.execute();
    // The fire timestamp (999, aligned to the interval) moves with every merge. The watermark
    // passes 999 only after 1800 arrived (wm 1799): the session [0,2800) fires with 3 elements;
    // 2700 extends it to [0,3700) and wm 2699 fires 1999; at end of input 2999 and the session's
    // end (3699) fire.
    expect(sink.values).toEqual(['a [0,2800) 3', 'a [0,3700) 4', 'a [0,3700) 4', 'a [0,3700) 4']);
    expect(sink.records.map((r) => r.timestamp)).toEqual([2799, 3699, 3699, 3699]);
  });

  it('late elements of closed sessions go to the side output', async () => {
    const env = StreamExecutionEnvironment.create();
    const late = new OutputTag<Evt>('late-sessions');
    const sink = new CollectSink<string>();
    const lateSink = new CollectSink<number>();
    const out = events(env, [e('a', 0), e('a', 5000), e('a', 100), e('a', 4800)], 0)
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000))
      .sideOutputLateData(late)
      .aggregate('late-session', sumV, sessionOf);
    out.sinkTo(sink);
    out
      .getSideOutput(late)
      .map('late-t', (x) => x.t)
      .sinkTo(lateSink, 'late');
    await env.execute();
    // 100 would only extend the closed session [0,1000): late. 4800 merges into [4800,6000).
    expect(sink.values).toEqual(['a [0,1000) 1', 'a [4800,6000) 2']);
    expect(lateSink.values).toEqual([100]);
  });

  it('refuses per-window state with merging windows, and aggregates without merge', async () => {
    const env = StreamExecutionEnvironment.create();
    events(env, [e('a', 0)])
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000))
      .process<string>('window-state', {
        process(_k, ctx) {
          ctx.windowState.getState(new ValueStateDescriptor<number>('n'));
        },
      })
      .print();
    await expect(env.execute()).rejects.toMatchObject({ code: 'INVALID_PIPELINE', message: /Per-window state/ });

    const env2 = StreamExecutionEnvironment.create();
    const noMerge: AggregateFunction<Evt, number, number> = {
      createAccumulator: () => 0,
      add: (x, a) => a + x.v,
      getResult: (a) => a,
    };
    const windowed = events(env2, [e('a', 0)])
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000));
    expect(() => windowed.aggregate('no-merge', noMerge)).toThrow(
      expect.objectContaining({ code: 'INVALID_PIPELINE' }),
    );
  });

  it('refuses a trigger that cannot merge', () => {
    const env = StreamExecutionEnvironment.create();
    const simple: Trigger<Evt, TimeWindow> = { onElement: () => TriggerResult.FIRE };
    const windowed = events(env, [e('a', 0)])
      .keyBy((x) => x.key)
      .window(EventTimeSessionWindows.withGap(1000));
    expect(() => windowed.trigger(simple)).toThrow(/canMerge/);
  });
});
