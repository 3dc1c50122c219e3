import {
  CollectSink,
  DataGeneratorSource,
  type DataStream,
  EventTimeSessionWindows,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Order = { id: string; t: number; item: string };
type Payment = { orderId: string; t: number; amount: number };

function stream<T extends { t: number }>(env: StreamExecutionEnvironment, name: string, list: T[]): DataStream<T> {
  return env.fromSource(
    new DataGeneratorSource({ count: list.length, batchSize: 1, generate: (i) => list[i] as T }),
    WatermarkStrategy.forBoundedOutOfOrderness<T>(1000).withTimestampAssigner((x) => x.t),
    name,
  );
}

const orders: Order[] = [
  { id: 'o1', t: 100, item: 'tea' },
  { id: 'o2', t: 200, item: 'cake' },
  { id: 'o1', t: 900, item: 'scone' },
  { id: 'o3', t: 1500, item: 'jam' },
];
const payments: Payment[] = [
  { orderId: 'o1', t: 300, amount: 5 },
  { orderId: 'o1', t: 700, amount: 7 },
  { orderId: 'o3', t: 800, amount: 9 }, // different window than order o3
  { orderId: 'o2', t: 1200, amount: 3 }, // different window than order o2
];

describe('window joins', () => {
  it('joins elements with equal keys in the same window (cross product), at any parallelism', async () => {
    for (const parallelism of [1, 2, 4]) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const sink = new CollectSink<string>();
      stream(env, 'orders', orders)
        .join(stream(env, 'payments', payments))
        .where((o) => o.id)
        .equalTo((p) => p.orderId)
        .window(TumblingEventTimeWindows.of(1000))
        .apply('paid-orders', (o, p) => `${o.id}:${o.item}:${p.amount}`)
        .sinkTo(sink);
      await env.execute();
      expect([...sink.values].sort()).toEqual(['o1:scone:5', 'o1:scone:7', 'o1:tea:5', 'o1:tea:7']);
      for (const r of sink.records) expect(r.timestamp).toBe(999);
    }
  });

  it('coGroups give both sides per key and window, also when one is empty', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    stream(env, 'orders', orders)
      .coGroup(stream(env, 'payments', payments))
      .where((o) => o.id)
      .equalTo((p) => p.orderId)
      .window(TumblingEventTimeWindows.of(1000))
      .apply<string>('order-payments', (os, ps, out) => {
        const id = os[0]?.id ?? ps[0]?.orderId;
        out.collect(`${id}: ${os.length} orders, ${ps.reduce((s, p) => s + p.amount, 0)} paid`);
      })
      .sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort()).toEqual([
      'o1: 2 orders, 12 paid',
      'o2: 0 orders, 3 paid',
      'o2: 1 orders, 0 paid',
      'o3: 0 orders, 9 paid',
      'o3: 1 orders, 0 paid',
    ]);
  });

  it('joins within session windows', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    stream(env, 'orders', orders)
      .join(stream(env, 'payments', payments))
      .where((o) => o.id)
      .equalTo((p) => p.orderId)
      .window(EventTimeSessionWindows.withGap(800))
      .apply('session-join', (o, p) => `${o.id}:${o.item}:${p.amount}`)
      .sinkTo(sink);
    await env.execute();
    // o2's order (200) and payment (1200) are 1000 apart, more than the gap; o3's are 700 apart.
    expect([...sink.values].sort()).toEqual(['o1:scone:5', 'o1:scone:7', 'o1:tea:5', 'o1:tea:7', 'o3:jam:9']);
  });

  it('needs a name for the stateful join', () => {
    const env = StreamExecutionEnvironment.create();
    stream(env, 'orders', orders)
      .join(stream(env, 'payments', payments))
      .where((o) => o.id)
      .equalTo((p) => p.orderId)
      .window(TumblingEventTimeWindows.of(1000))
      .apply((o, p) => [o, p])
      .print();
    expect(() => env.executeAsync()).toThrow(expect.objectContaining({ code: 'MISSING_UID' }));
  });
});
