import {
  CollectSink,
  DataGeneratorSource,
  OutputTag,
  type ProcessJoinFunction,
  SeededRandom,
  StreamExecutionEnvironment,
  TestOperatorRunner,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Click = { user: string; t: number; id: number };
type View = { user: string; t: number; id: number };

const pair: ProcessJoinFunction<Click, View, string> = {
  processElement(click, view, ctx, out) {
    expect(ctx.getLeftTimestamp()).toBe(click.t);
    expect(ctx.getRightTimestamp()).toBe(view.t);
    out.collect(`c${click.id}-v${view.id}`);
  },
};

/** Events of a few users with timestamps shuffled by up to `disorder` ms. */
function events(n: number, seed: number, disorder: number): Click[] {
  const random = new SeededRandom();
  return Array.from({ length: n }, (_, i) => {
    random.reset(seed, i);
    return { user: `u${random.nextInt(3)}`, t: i * 100 + random.nextInt(disorder), id: i };
  });
}

function expectedPairs(clicks: Click[], views: View[], lower: number, upper: number): string[] {
  const out: string[] = [];
  for (const c of clicks) {
    for (const v of views)
      if (c.user === v.user && v.t >= c.t + lower && v.t <= c.t + upper) out.push(`c${c.id}-v${v.id}`);
  }
  return out.sort();
}

function source<T extends { t: number }>(env: StreamExecutionEnvironment, items: T[], name: string, bound: number) {
  return env
    .fromSource(
      new DataGeneratorSource({ count: items.length, batchSize: 3, generate: (i) => items[i] as T }),
      WatermarkStrategy.forBoundedOutOfOrderness<T>(bound).withTimestampAssigner((x) => x.t),
      name,
    )
    .setParallelism(1);
}

describe('interval join', () => {
  const clicks = events(60, 1, 250);
  const views = events(60, 2, 250);

  for (const [lower, upper, parallelism] of [
    [-300, 0, 1],
    [-150, 150, 2],
    [0, 500, 3],
    [100, 200, 2],
  ] as const) {
    it(`joins out-of-order streams within [${lower}, ${upper}] (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const sink = new CollectSink<string>();
      source(env, clicks, 'clicks', 300)
        .keyBy((c) => c.user)
        .intervalJoin(source(env, views, 'views', 300).keyBy((v) => v.user))
        .between(lower, upper)
        .process('click-view', pair)
        .sinkTo(sink);
      await env.execute();
      const expected = expectedPairs(clicks, views, lower, upper);
      expect(expected.length).toBeGreaterThan(5);
      expect([...sink.values].sort()).toEqual(expected);
    });
  }

  it('stamps pairs with the larger timestamp and honours exclusive bounds', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    const c = [{ user: 'a', t: 1_000, id: 1 }];
    const v = [
      { user: 'a', t: 900, id: 1 }, // lower bound: excluded
      { user: 'a', t: 950, id: 2 },
      { user: 'a', t: 1_100, id: 3 },
      { user: 'a', t: 1_200, id: 4 }, // upper bound: excluded
      { user: 'b', t: 1_000, id: 5 }, // other key
    ];
    source(env, c, 'clicks', 500)
      .keyBy((x) => x.user)
      .intervalJoin(source(env, v, 'views', 500).keyBy((x) => x.user))
      .between(-100, 200)
      .lowerBoundExclusive()
      .upperBoundExclusive()
      .process('click-view', pair)
      .sinkTo(sink);
    await env.execute();
    expect([...sink.records].sort((a, b) => a.timestamp - b.timestamp)).toEqual([
      { value: 'c1-v2', timestamp: 1_000 },
      { value: 'c1-v3', timestamp: 1_100 },
    ]);
  });

  it('cleans its buffers up once the watermark passes, and sends late records to side outputs', () => {
    const lateClicks = new OutputTag<Click>('late-clicks');
    const lateViews = new OutputTag<View>('late-views');
    const runner = TestOperatorRunner.twoInput<Click, View, string>((cs, vs) =>
      cs
        .keyBy((x) => x.user)
        .intervalJoin(vs.keyBy((x) => x.user))
        .between(-100, 50)
        .sideOutputLeftLateData(lateClicks)
        .sideOutputRightLateData(lateViews)
        .process('click-view', pair),
    );
    runner.processElement({ user: 'a', t: 1_000, id: 1 }, 1_000);
    runner.processElement2({ user: 'a', t: 960, id: 1 }, 960);
    runner.processElement2({ user: 'a', t: 1_040, id: 2 }, 1_040);
    expect(runner.output.map((r) => r.value)).toEqual(['c1-v1', 'c1-v2']);
    expect(runner.numEventTimeTimers()).toBe(3);
    expect(runner.keyedStateSize()).toBe(2); // one left bucket, one right-buffer entry per key
    // Left 1000 may still meet rights up to 1050; rights 960/1040 may meet lefts up to 1060/1140.
    runner.processWatermark(1_050);
    expect(runner.numEventTimeTimers()).toBe(2);
    runner.processWatermark(1_140);
    expect(runner.numEventTimeTimers()).toBe(0);
    expect(runner.keyedStateSize()).toBe(0);
    // Behind the watermark: late, not joined.
    runner.processElement({ user: 'a', t: 1_100, id: 2 }, 1_100);
    runner.processElement2({ user: 'a', t: 1_139, id: 3 }, 1_139);
    expect(runner.sideOutput<Click>(lateClicks.id).map((r) => r.value.id)).toEqual([2]);
    expect(runner.sideOutput<View>(lateViews.id).map((r) => r.value.id)).toEqual([3]);
    expect(runner.output).toHaveLength(2);
  });

  it('needs event timestamps and a non-empty interval', () => {
    const runner = TestOperatorRunner.twoInput<Click, View, string>((cs, vs) =>
      cs
        .keyBy((x) => x.user)
        .intervalJoin(vs.keyBy((x) => x.user))
        .between(0, 10)
        .process('click-view', pair),
    );
    expect(() => runner.processElement({ user: 'a', t: 1, id: 1 })).toThrow(
      expect.objectContaining({ code: 'NO_TIMESTAMP' }),
    );
    const env = StreamExecutionEnvironment.create();
    const keyed = env.fromElements<Click>().keyBy((x) => x.user);
    expect(() => keyed.intervalJoin(keyed).between(10, 0)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => keyed.intervalJoin(keyed).between(5, 5).lowerBoundExclusive().process('j', pair)).toThrow(/empty/);
  });
});
