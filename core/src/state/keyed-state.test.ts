import {
  type AggregatingState,
  AggregatingStateDescriptor,
  CollectSink,
  DataGeneratorSource,
  type KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  ManualClock,
  type MapState,
  MapStateDescriptor,
  type ReducingState,
  ReducingStateDescriptor,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
  keyGroupOf,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Op = { key: string; op: string; value?: number };
type AllStates = {
  value: ValueState<number>;
  list: ListState<number>;
  map: MapState<number, string>;
  sum: ReducingState<number>;
  avg: AggregatingState<number, number>;
};

/** Runs `ops` through a keyed process function that reports every state kind after each op. */
async function runStateJob(ops: Op[], parallelism: number): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism });
  const sink = new CollectSink<string>();
  const fn = {
    open(ctx) {
      this.value = ctx.getState(new ValueStateDescriptor<number>('value', -1));
      this.list = ctx.getListState(new ListStateDescriptor<number>('list'));
      this.map = ctx.getMapState(new MapStateDescriptor<number, string>('map'));
      this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
      this.avg = ctx.getAggregatingState(
        new AggregatingStateDescriptor('avg', {
          createAccumulator: () => ({ s: 0, n: 0 }),
          add: (v: number, acc: { s: number; n: number }) => ({ s: acc.s + v, n: acc.n + 1 }),
          getResult: (acc: { s: number; n: number }) => acc.s / acc.n,
        }),
      );
    },
    processElement(o, ctx, out) {
      if (o.op === 'add') {
        const v = o.value as number;
        this.value.update(v);
        this.list.add(v);
        this.map.put(v, `v${v}`);
        this.sum.add(v);
        this.avg.add(v);
      } else if (o.op === 'clear') {
        this.value.clear();
        this.list.clear();
        this.map.clear();
        this.sum.clear();
        this.avg.clear();
      } else if (o.op === 'remove') {
        this.map.remove(o.value as number);
      }
      out.collect(
        `${ctx.getCurrentKey()} value=${this.value.value()} list=${this.list.get().join(',')} ` +
          `map=${[...this.map.keys()].join(',')} sum=${this.sum.get()} avg=${this.avg.get()}`,
      );
    },
  } as KeyedProcessFunction<string, Op, string> & AllStates;
  env
    .fromCollection(ops)
    .keyBy((o) => o.key)
    .process('state-kinds', fn)
    .sinkTo(sink);
  await env.execute();
  return sink.values;
}

describe('keyed state', () => {
  const ops: Op[] = [
    { key: 'a', op: 'add', value: 1 },
    { key: 'b', op: 'add', value: 10 },
    { key: 'a', op: 'add', value: 3 },
    { key: 'a', op: 'remove', value: 1 },
    { key: 'b', op: 'clear' },
    { key: 'b', op: 'add', value: 4 },
  ];

  it('scopes every state kind to the current key', async () => {
    const out = await runStateJob(ops, 1);
    expect(out).toEqual([
      'a value=1 list=1 map=1 sum=1 avg=1',
      'b value=10 list=10 map=10 sum=10 avg=10',
      'a value=3 list=1,3 map=1,3 sum=4 avg=2',
      'a value=3 list=1,3 map=3 sum=4 avg=2',
      'b value=-1 list= map= sum=undefined avg=undefined',
      'b value=4 list=4 map=4 sum=4 avg=4',
    ]);
  });

  it('gives the same per-key results at parallelism 4', async () => {
    const sorted = (xs: string[]) => [...xs].sort();
    expect(sorted(await runStateJob(ops, 4))).toEqual(sorted(await runStateJob(ops, 1)));
  });

  it('expires state after its TTL in processing time (injected clock)', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const sink = new CollectSink<string>();
    const fn = {
      open(ctx) {
        this.seen = ctx.getState(new ValueStateDescriptor<number>('seen').enableTimeToLive({ ttlMs: 5_000 }));
      },
      processElement(k, ctx, out) {
        const before = this.seen.value();
        this.seen.update(ctx.currentProcessingTime());
        out.collect(`${k}@${ctx.currentProcessingTime()} previous=${before}`);
      },
    } as KeyedProcessFunction<string, string, string> & { seen: ValueState<number> };
    // One record per second (rate-limited by the manual clock): keys a, a, a, then b, then a after a gap.
    const keys = ['a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'b', 'a'];
    env
      .fromSource(
        new DataGeneratorSource({ count: keys.length, recordsPerSecond: 1, generate: (i) => keys[i] as string }),
        WatermarkStrategy.noWatermarks<string>(),
        'keys',
      )
      .keyBy((k) => k)
      .process('ttl', fn)
      .sinkTo(sink);
    const job = env.executeAsync();
    for (let i = 0; i < 12 && job.status() === 'RUNNING'; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 5));
    }
    await job.result;
    expect(sink.values).toEqual([
      'a@1000 previous=undefined',
      'a@2000 previous=1000',
      'a@3000 previous=2000',
      'b@4000 previous=undefined',
      'b@5000 previous=4000',
      'b@6000 previous=5000',
      'b@7000 previous=6000',
      'b@8000 previous=7000',
      'b@9000 previous=8000',
      // a was last written at 3000; 10000 - 3000 >= 5000 so it expired.
      'a@10000 previous=undefined',
    ]);
  });

  it('maps keys to key groups stably', () => {
    // Pinned values: a change here means state written by an older version would land in other
    // key groups after an upgrade, so it must be a deliberate, migrated change.
    const keys = ['alice', 'bob', 42, true, 1, '1', 10n, 1.5] as const;
    expect(keys.map((k) => keyGroupOf(k, 128))).toEqual([21, 113, 92, 125, 55, 114, 62, 127]);
    const groups = new Set<number>();
    for (let i = 0; i < 10_000; i++) groups.add(keyGroupOf(`user-${i}`, 128));
    expect(groups.size).toBe(128);
  });
});
