import {
  type AggregateFunction,
  CollectSink,
  DataGeneratorSource,
  type DataStream,
  OutputTag,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  TimeWindow,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Evt = { key: string; t: number; v: number };

/** A source that emits `events` in order with a watermark (max seen - bound - 1) after every record. */
function events(env: StreamExecutionEnvironment, list: Evt[], bound = 0): DataStream<Evt> {
  return env
    .fromSource(
      new DataGeneratorSource({ count: list.length, batchSize: 1, generate: (i) => list[i] as Evt }),
      WatermarkStrategy.forBoundedOutOfOrderness<Evt>(bound).withTimestampAssigner((e) => e.t),
      'events',
    )
    .setParallelism(1);
}

const e = (key: string, t: number, v = 1): Evt => ({ key, t, v });

/** Emits `key [start,end): sum` for each fired window. */
const describeWindow: ProcessWindowFunction<number, string, string, TimeWindow> = {
  process(key, ctx, sums, out) {
    for (const s of sums) out.collect(`${key} [${ctx.window.start},${ctx.window.end}) ${s}`);
  },
};

const sumV: AggregateFunction<Evt, number, number> = {
  createAccumulator: () => 0,
  add: (x, acc) => acc + x.v,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

describe('TimeWindow', () => {
  it('has an exclusive end, a stable id and merge helpers', () => {
    const w = TimeWindow.of(0, 5000);
    expect(w.maxTimestamp()).toBe(4999);
    expect(w.id).toBe('0:5000');
    expect(w.intersects(TimeWindow.of(5000, 6000))).toBe(true);
    expect(w.intersects(TimeWindow.of(5001, 6000))).toBe(false);
    expect(w.cover(TimeWindow.of(4000, 9000)).equals(TimeWindow.of(0, 9000))).toBe(true);
    expect(() => TimeWindow.of(5, 5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('computes window starts with offsets and negative timestamps (Flink formula)', () => {
    expect(TimeWindow.getWindowStartWithOffset(7, 0, 5)).toBe(5);
    expect(TimeWindow.getWindowStartWithOffset(-1, 0, 5)).toBe(-5);
    expect(TimeWindow.getWindowStartWithOffset(-5, 0, 5)).toBe(-5);
    expect(TimeWindow.getWindowStartWithOffset(7, 3, 5)).toBe(3);
    expect(TimeWindow.getWindowStartWithOffset(2, 3, 5)).toBe(-2);
    expect(TimeWindow.getWindowStartWithOffset(2, -1, 5)).toBe(-1);
  });
});

describe('window assigners', () => {
  const ctx = { currentProcessingTime: () => 0 };
  it('tumbling windows reuse one frozen window per start', () => {
    const a = TumblingEventTimeWindows.of(1000, 100);
    const w1 = a.assignWindows({}, 1234, ctx);
    const w2 = a.assignWindows({}, 1999, ctx);
    expect(w1.map(String)).toEqual(['TimeWindow[1100, 2100)']);
    expect(w2).toBe(w1);
    expect(Object.isFrozen(w1)).toBe(true);
    expect(a.assignWindows({}, -1, ctx).map(String)).toEqual(['TimeWindow[-900, 100)']);
  });

  it('sliding windows cover the element, also when size is not a multiple of slide', () => {
    const a = SlidingEventTimeWindows.of(10, 3);
    expect(a.assignWindows({}, 0, ctx).map((w) => w.start)).toEqual([0, -3, -6, -9]);
    expect(a.assignWindows({}, 2, ctx).map((w) => w.start)).toEqual([0, -3, -6]);
    for (let t = -20; t < 20; t++) {
      for (const w of a.assignWindows({}, t, ctx)) expect(t >= w.start && t < w.end).toBe(true);
      let expected = 0;
      for (let start = -30; start <= t; start += 3) if (t < start + 10) expected++;
      expect(a.assignWindows({}, t, ctx)).toHaveLength(expected);
    }
  });

  it('rejects bad sizes and offsets', () => {
    expect(() => TumblingEventTimeWindows.of(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => TumblingEventTimeWindows.of(10, 10)).toThrow(/offset/);
    expect(() => SlidingEventTimeWindows.of(10, 0)).toThrow(/slide/);
  });
});

describe('event-time windows', () => {
  it('tumbling: out-of-order data within the bound lands in the right windows', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(
      env,
      [e('a', 1000), e('b', 1500), e('a', 6000), e('a', 3000), e('b', 4999), e('a', 5000), e('a', 12_000)],
      3000,
    )
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(5000))
      .aggregate('sum', sumV, describeWindow)
      .sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort()).toEqual(['a [0,5000) 2', 'a [10000,15000) 1', 'a [5000,10000) 2', 'b [0,5000) 2']);
    for (const r of sink.records) {
      const end = Number(/,(\d+)\)/.exec(r.value)?.[1]);
      expect(r.timestamp).toBe(end - 1);
    }
  });
});

describe('event-time windows: functions and state', () => {
  it('sliding windows with reduce, with and without a window function', async () => {
    const env = StreamExecutionEnvironment.create();
    const plain = new CollectSink<Evt>();
    const described = new CollectSink<string>();
    const keyed = events(env, [e('a', 0, 1), e('a', 1000, 2), e('a', 2500, 4)]).keyBy((x) => x.key);
    const add = (x: Evt, y: Evt): Evt => ({ key: x.key, t: Math.max(x.t, y.t), v: x.v + y.v });
    keyed.window(SlidingEventTimeWindows.of(2000, 1000)).reduce('sliding-sum', add).sinkTo(plain, 'plain');
    keyed
      .window(SlidingEventTimeWindows.of(2000, 1000))
      .reduce('sliding-sum-described', add, {
        process(key, ctx, sums, out) {
          for (const s of sums) out.collect(`${key} [${ctx.window.start},${ctx.window.end}) ${s.v}`);
        },
      })
      .sinkTo(described, 'described');
    await env.execute();
    expect(plain.values.map((x) => x.v)).toEqual([1, 3, 6, 4]);
    expect(plain.records.map((r) => r.timestamp)).toEqual([999, 1999, 2999, 3999]);
    expect(described.values).toEqual(['a [-1000,1000) 1', 'a [0,2000) 3', 'a [1000,3000) 6', 'a [2000,4000) 4']);
  });

  it('tumbling windows with an offset', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, [e('a', 0), e('a', 299), e('a', 300), e('a', 1299)])
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(1000, 300))
      .aggregate('offset-sum', sumV, describeWindow)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual(['a [-700,300) 2', 'a [300,1300) 2']);
  });

  it('process window functions get all elements, per-window and global state, and clear()', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    const cleared: string[] = [];
    const firings = new ValueStateDescriptor<number>('firings');
    const windowsSeen = new ValueStateDescriptor<number>('windows-seen');
    events(env, [e('a', 100, 1), e('a', 200, 2), e('a', 1500, 3), e('a', 900, 4), e('a', 5000, 5)], 0)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(1000))
      .allowedLateness(2000)
      .process<string>('listing', {
        process(key, ctx, elements, out) {
          const perWindow = ctx.windowState.getState(firings);
          perWindow.update((perWindow.value() ?? 0) + 1);
          const global = ctx.globalState.getState(windowsSeen);
          global.update((global.value() ?? 0) + 1);
          const values = [...elements].map((x) => x.v).join(',');
          out.collect(
            `${key}@${ctx.window.start} [${values}] firing ${perWindow.value()} of window, ${global.value()} overall`,
          );
        },
        clear(ctx) {
          cleared.push(`${ctx.window.start}:${ctx.windowState.getState(firings).value()}`);
          ctx.windowState.getState(firings).clear();
        },
      })
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual([
      'a@0 [1,2] firing 1 of window, 1 overall',
      'a@0 [1,2,4] firing 2 of window, 2 overall',
      'a@1000 [3] firing 1 of window, 3 overall',
      'a@5000 [5] firing 1 of window, 4 overall',
    ]);
    expect(cleared).toEqual(['0:2', '1000:1', '5000:1']);
  });
});

describe('lateness', () => {
  const lateEvents = [
    e('a', 1000),
    e('a', 2000),
    e('a', 12_000),
    e('a', 3000),
    e('a', 25_000),
    e('a', 4000),
    e('b', 100),
  ];

  it('re-fires a window for late elements within allowedLateness and side-outputs later ones', async () => {
    const env = StreamExecutionEnvironment.create();
    const late = new OutputTag<Evt>('late');
    const sink = new CollectSink<string>();
    const lateSink = new CollectSink<Evt>();
    const counts = events(env, lateEvents)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(10_000))
      .allowedLateness(5000)
      .sideOutputLateData(late)
      .aggregate('late-sum', sumV, describeWindow);
    counts.sinkTo(sink);
    counts.getSideOutput(late).sinkTo(lateSink, 'late-sink');
    await env.execute();
    // 12000 moves the watermark to 11999: [0,10000) fires with 2; 3000 is late but allowed
    // (9999 + 5000 > 11999) and fires it again with 3; 25000 cleans it up (cleanup at 14999),
    // so 4000 and b@100 go to the late side output.
    expect(sink.values).toEqual(['a [0,10000) 2', 'a [0,10000) 3', 'a [10000,20000) 1', 'a [20000,30000) 1']);
    expect(lateSink.records).toEqual([
      { value: e('a', 4000), timestamp: 4000 },
      { value: e('b', 100), timestamp: 100 },
    ]);
  });

  it('drops late elements without a side output', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    events(env, lateEvents)
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(10_000))
      .aggregate('drop-late', sumV, describeWindow)
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual(['a [0,10000) 2', 'a [10000,20000) 1', 'a [20000,30000) 1']);
  });
});

describe('window pipeline errors', () => {
  it('fails with NO_TIMESTAMP and advice when records have no event time', async () => {
    const env = StreamExecutionEnvironment.create();
    env
      .fromElements(1, 2, 3)
      .keyBy((n) => n % 2)
      .window(TumblingEventTimeWindows.of(1000))
      .reduce('no-time', (a, b) => a + b)
      .print();
    await expect(env.execute()).rejects.toMatchObject({
      code: 'NO_TIMESTAMP',
      message: expect.stringContaining('WatermarkStrategy'),
    });
  });

  it('needs a stable name for the stateful window operator', () => {
    const env = StreamExecutionEnvironment.create();
    events(env, [e('a', 1)])
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(1000))
      .reduce((a) => a)
      .print();
    expect(() => env.executeAsync()).toThrow(expect.objectContaining({ code: 'MISSING_UID' }));
  });

  it('rejects a negative allowed lateness', () => {
    const env = StreamExecutionEnvironment.create();
    const windowed = events(env, [e('a', 1)])
      .keyBy((x) => x.key)
      .window(TumblingEventTimeWindows.of(1000));
    expect(() => windowed.allowedLateness(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
