import {
  type AggregateFunction,
  CollectSink,
  ContinuousEventTimeTrigger,
  CountEvictor,
  DataGeneratorSource,
  type DataStream,
  EventTimeTrigger,
  GlobalWindows,
  type ProcessWindowFunction,
  PurgingTrigger,
  StreamExecutionEnvironment,
  TimeEvictor,
  type TimeWindow,
  type Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  type Window,
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

/** `key [start,end) v1,v2,...` (or `key v1,...` for global windows). */
function listing<W extends Window>(): ProcessWindowFunction<Evt, string, string, W> {
  return {
    process(key, ctx, elements, out) {
      const w = ctx.window as unknown as Partial<TimeWindow>;
      const where = w.start === undefined ? '' : ` [${w.start},${w.end})`;
      out.collect(`${key}${where} ${[...elements].map((x) => x.v).join(',')}`);
    },
  };
}

const sumV: AggregateFunction<Evt, number, number> = {
  createAccumulator: () => 0,
  add: (x, acc) => acc + x.v,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

describe('count windows', () => {
  const seq = [1, 2, 3, 4, 5, 6, 7].flatMap((v) => (v <= 3 ? [e('a', v, v), e('b', v, v * 10)] : [e('a', v, v)]));

  it('tumbling count windows fire and purge every n elements; a partial window never fires', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, seq)
      .keyBy((x) => x.key)
      .countWindow(3)
      .process('count-3', listing())
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual(['a 1,2,3', 'b 10,20,30', 'a 4,5,6']);
  });

  it('sliding count windows fire every slide elements over the last size', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    const sums = new CollectSink<number>();
    const keyed = events(env, seq).keyBy((x) => x.key);
    keyed.countWindow(3, 2).process('count-3-2', listing()).sinkTo(sink);
    keyed.countWindow(3, 2).aggregate('count-3-2-sum', sumV).sinkTo(sums, 'sums');
    await env.execute();
    expect(sink.values).toEqual(['a 1,2', 'b 10,20', 'a 2,3,4', 'a 4,5,6']);
    expect(sums.values).toEqual([3, 30, 9, 15]);
  });

  it('works at any parallelism', async () => {
    for (const parallelism of [1, 2, 4]) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const sink = new CollectSink<string>();
      events(env, seq)
        .keyBy((x) => x.key)
        .countWindow(3)
        .reduce('count-reduce', (x, y) => ({ ...x, v: x.v + y.v }))
        .map('show', (x) => `${x.key}=${x.v}`)
        .sinkTo(sink);
      await env.execute();
      expect([...sink.values].sort()).toEqual(['a=15', 'a=6', 'b=60']);
    }
  });

  it('rejects a count below 1', () => {
    const env = StreamExecutionEnvironment.create();
    expect(() =>
      events(env, seq)
        .keyBy((x) => x.key)
        .countWindow(0),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('continuous and purging triggers', () => {
  const timeline = [e('a', 0, 1), e('a', 500, 1), e('a', 1500, 1), e('a', 2500, 1), e('a', 6000, 1)];

  it('ContinuousEventTimeTrigger fires every interval of event time and at the end of the window', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, timeline)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(5000))
      .trigger(ContinuousEventTimeTrigger.of(1000))
      .aggregate('continuous', sumV, {
        process(_k, ctx, sums, out) {
          for (const s of sums) out.collect(`${ctx.window.start}:${s}`);
        },
      })
      .sinkTo(sink);
    await env.execute();
    // [0,5000): timers at 1000 (fires after 1500 arrived, wm 1499), 2000, 3000, 4000 and the end 4999.
    expect(sink.values).toEqual(['0:3', '0:4', '0:4', '0:4', '0:4', '5000:1', '5000:1', '5000:1', '5000:1']);
  });

  it('PurgingTrigger turns every fire into fire-and-purge', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, timeline)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(5000))
      .trigger(PurgingTrigger.of(ContinuousEventTimeTrigger.of(1000)))
      .aggregate('purging', sumV, {
        process(_k, ctx, sums, out) {
          for (const s of sums) out.collect(`${ctx.window.start}:${s}`);
        },
      })
      .sinkTo(sink);
    await env.execute();
    // Only the elements since the previous firing; empty firings emit nothing.
    expect(sink.values).toEqual(['0:3', '0:1', '5000:1']);
  });

  it('EventTimeTrigger on global windows fires at end of input', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<number>();
    events(env, timeline)
      .keyBy((x) => x.key)
      .window(GlobalWindows.create())
      .trigger(EventTimeTrigger.create())
      .aggregate('all-time', sumV)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual([5]);
  });

  it('GlobalWindows without a trigger never fire', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<number>();
    events(env, timeline)
      .keyBy((x) => x.key)
      .window(GlobalWindows.create())
      .aggregate('never', sumV)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual([]);
  });
});

describe('a custom trigger written by a user', () => {
  it('fires on the first and on big elements, and at the end with a purge, keeping trigger state per window', async () => {
    const first = new ValueStateDescriptor<boolean>('first-seen');
    const cleared: number[] = [];
    const firstBigAndEnd: Trigger<Evt, TimeWindow> = {
      onElement(x, _ts, window, ctx) {
        ctx.registerEventTimeTimer(window.maxTimestamp());
        const seen = ctx.getState(first);
        if (seen.value() === undefined) {
          seen.update(true);
          return TriggerResult.FIRE;
        }
        return x.v >= 100 ? TriggerResult.FIRE : TriggerResult.CONTINUE;
      },
      onEventTime: (time, window) =>
        time === window.maxTimestamp() ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE,
      clear(window, ctx) {
        cleared.push(window.start);
        ctx.getState(first).clear();
        ctx.deleteEventTimeTimer(window.maxTimestamp());
      },
    };
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, [e('a', 0, 1), e('a', 100, 2), e('a', 200, 100), e('a', 1500, 3), e('a', 1600, 4)])
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(1000))
      .trigger(firstBigAndEnd)
      .process('first-big-end', listing<TimeWindow>())
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual([
      'a [0,1000) 1',
      'a [0,1000) 1,2,100',
      'a [1000,2000) 3',
      'a [0,1000) 1,2,100',
      'a [1000,2000) 3,4',
    ]);
    expect(cleared).toEqual([0, 1000]);
  });
});

describe('evictors', () => {
  const spread = [e('a', 0, 1), e('a', 1000, 2), e('a', 3500, 3), e('a', 4000, 4), e('a', 4500, 5)];

  it('TimeEvictor keeps the last n ms before the function runs (process and aggregate)', async () => {
    const env = StreamExecutionEnvironment.create();
    const listed = new CollectSink<string>();
    const summed = new CollectSink<number>();
    const keyed = events(env, spread).keyBy((x) => x.key);
    keyed
      .window(TumblingEventTimeWindows.of(5000))
      .evictor(TimeEvictor.of(1000))
      .process('time-evicted', listing<TimeWindow>())
      .sinkTo(listed, 'listed');
    keyed
      .window(TumblingEventTimeWindows.of(5000))
      .evictor(TimeEvictor.of(1000))
      .aggregate('time-evicted-sum', sumV)
      .sinkTo(summed, 'summed');
    await env.execute();
    // max 4500, cutoff 3500: elements at <= 3500 are evicted.
    expect(listed.values).toEqual(['a [0,5000) 4,5']);
    expect(summed.values).toEqual([9]);
  });

  it('CountEvictor keeps the last n elements (reduce)', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<number>();
    events(env, spread)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(5000))
      .evictor(CountEvictor.of(2))
      .reduce('last-two', (x, y) => ({ ...x, v: x.v + y.v }))
      .map('v', (x) => x.v)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual([9]);
  });

  it('evicting after the function changes what later firings see', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, [
      e('a', 0, 0),
      e('a', 100, 100),
      e('a', 200, 200),
      e('a', 1500, 1500),
      e('a', 1600, 1600),
      e('a', 2500, 2500),
    ])
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(5000))
      .trigger(ContinuousEventTimeTrigger.of(1000))
      .evictor(CountEvictor.of(2, true))
      .process('evict-after', listing<TimeWindow>())
      .sinkTo(sink);
    await env.execute();
    expect(sink.values.map((v) => v.split(' ')[2])).toEqual([
      '0,100,200,1500',
      '200,1500,1600,2500',
      '1600,2500',
      '1600,2500',
      '1600,2500',
    ]);
  });
});
