import {
  CollectSink,
  ConnectedStreams,
  DataGeneratorSource,
  type KeyedCoProcessFunction,
  KeyedConnectedStreams,
  ListStateDescriptor,
  type ProcessFunction,
  type ListState,
  OutputTag,
  StreamExecutionEnvironment,
  TestOperatorRunner,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Order = { id: string; t: number; amount: number };
type Payment = { orderId: string; t: number };

/** Matches orders with payments per order id; an order unpaid 10 s after it was placed is reported. */
type Matcher = KeyedCoProcessFunction<string, Order, Payment, string> & {
  order: ValueState<Order>;
  paid: ValueState<boolean>;
};
const matcher = {
  open(ctx) {
    this.order = ctx.getState(new ValueStateDescriptor<Order>('order'));
    this.paid = ctx.getState(new ValueStateDescriptor<boolean>('paid'));
  },
  processElement1(order, ctx, out) {
    if (this.paid.value() === true) {
      out.collect(`paid ${order.id}`);
      this.paid.clear();
      return;
    }
    this.order.update(order);
    ctx.timerService().registerEventTimeTimer(order.t + 10_000);
  },
  processElement2(payment, ctx, out) {
    const order = this.order.value();
    if (order === undefined) {
      this.paid.update(true);
      return;
    }
    out.collect(`paid ${ctx.getCurrentKey()}`);
    ctx.timerService().deleteEventTimeTimer(order.t + 10_000);
    this.order.clear();
  },
  onTimer(time, ctx, out) {
    if (this.order.value() !== undefined) out.collect(`unpaid ${ctx.getCurrentKey()} at ${time}`);
    this.order.clear();
  },
} as Matcher;

function timed<T extends { t: number }>(env: StreamExecutionEnvironment, items: T[], name: string) {
  return env
    .fromSource(
      new DataGeneratorSource({ count: items.length, batchSize: 1, generate: (i) => items[i] as T }),
      WatermarkStrategy.forBoundedOutOfOrderness<T>(1_000).withTimestampAssigner((x) => x.t),
      name,
    )
    .setParallelism(1);
}

describe('connect + CoProcessFunction', () => {
  it('sees both inputs in one function, with side outputs and the record timestamps', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    const big = new OutputTag<number>('big');
    const bigSink = new CollectSink<number>();
    const merged = env
      .fromElements(1, 2, 300)
      .connect(env.fromElements('a', 'b'))
      .process<string>('merge', {
        processElement1(n, ctx, out) {
          if (n > 100) ctx.output(big, n);
          else out.collect(`n${n}`);
        },
        processElement2(s, _ctx, out) {
          out.collect(`s${s}`);
        },
      });
    merged.sinkTo(sink);
    merged.getSideOutput(big).sinkTo(bigSink, 'big-sink');
    await env.execute();
    expect([...sink.values].sort()).toEqual(['n1', 'n2', 'sa', 'sb']);
    expect(bigSink.values).toEqual([300]);
  });

  it('offers map and flatMap over two inputs', async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const mapped = new CollectSink<string>();
    const flat = new CollectSink<string>();
    const numbers = env.fromElements(1, 2);
    const words = env.fromElements('x y', 'z');
    const connected = numbers.connect(words);
    expect(connected).toBeInstanceOf(ConnectedStreams);
    connected.map('to-text', { map1: (n) => `#${n}`, map2: (w) => w }).sinkTo(mapped);
    connected
      .flatMap<string>('tokens', {
        flatMap1: (n, out) => out.collect(String(n)),
        flatMap2: (w, out) => {
          for (const t of w.split(' ')) out.collect(t);
        },
      })
      .sinkTo(flat, 'flat');
    await env.execute();
    expect([...mapped.values].sort()).toEqual(['#1', '#2', 'x y', 'z']);
    expect([...flat.values].sort()).toEqual(['1', '2', 'x', 'y', 'z']);
  });

  it('takes the minimum of both inputs as its watermark', () => {
    const seen: number[] = [];
    const runner = TestOperatorRunner.twoInput<number, number, string>((a, b) =>
      a.connect(b).process('wm', {
        processElement1: (_v, ctx) => seen.push(ctx.currentWatermark()),
        processElement2: (_v, ctx) => seen.push(ctx.currentWatermark()),
      }),
    );
    runner.processWatermarkOf(0, 5_000);
    expect(runner.watermarks).toEqual([]); // the second input still holds it back
    runner.processWatermarkOf(1, 3_000);
    runner.processElement(1);
    runner.processWatermarkOf(1, 9_000);
    runner.processElement2(2);
    expect(runner.watermarks).toEqual([3_000, 5_000]);
    expect(seen).toEqual([3_000, 5_000]);
  });

  it('gives process functions operator list state that survives a snapshot and restore', () => {
    const pendingDescriptor = new ListStateDescriptor<number>('pending');
    const batcher = {
      open(ctx) {
        this.pending = ctx.getListState(pendingDescriptor);
      },
      processElement(n, _ctx, out) {
        this.pending.add(n);
        if (this.pending.get().length < 3) return;
        out.collect(this.pending.get().reduce((a, b) => a + b, 0));
        this.pending.clear();
      },
    } as ProcessFunction<number, number> & { pending: ListState<number> };
    const first = TestOperatorRunner.oneInput<number, number>((input) => input.process('batch', batcher));
    first.processElement(1);
    first.processElement(2);
    expect(first.operatorListState(pendingDescriptor)).toEqual([1, 2]);
    const snapshot = first.snapshotOperatorState();
    expect(snapshot).toEqual({ pending: [1, 2] });

    const restored = TestOperatorRunner.oneInput<number, number>((input) => input.process('batch', batcher));
    restored.restoreOperatorState(snapshot);
    restored.processElement(3);
    expect(restored.output.map((r) => r.value)).toEqual([6]);
    expect(restored.operatorListState(pendingDescriptor)).toEqual([]);
  });
});

describe('keyed connect + KeyedCoProcessFunction', () => {
  const orders: Order[] = [
    { id: 'o1', t: 1_000, amount: 10 },
    { id: 'o2', t: 2_000, amount: 20 },
    { id: 'o3', t: 3_000, amount: 30 },
    { id: 'o4', t: 30_000, amount: 40 },
  ];
  const payments: Payment[] = [
    { orderId: 'o2', t: 1_500 }, // before its order: kept in state until the order arrives
    { orderId: 'o1', t: 4_000 },
    { orderId: 'o4', t: 31_000 },
  ];

  for (const parallelism of [1, 3]) {
    it(`shares keyed state and timers between both inputs of a key (parallelism ${parallelism})`, async () => {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const sink = new CollectSink<string>();
      timed(env, orders, 'orders')
        .connect(timed(env, payments, 'payments'))
        .keyBy(
          (o) => o.id,
          (p) => p.orderId,
        )
        .process('match-payments', matcher)
        .sinkTo(sink);
      await env.execute();
      expect([...sink.values].sort()).toEqual(['paid o1', 'paid o2', 'paid o4', 'unpaid o3 at 13000']);
      const unpaid = sink.records.find((r) => r.value.startsWith('unpaid'));
      expect(unpaid?.timestamp).toBe(13_000);
    });
  }

  it('connects two keyed streams directly', async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const sink = new CollectSink<string>();
    const connected = timed(env, orders, 'orders')
      .keyBy((o) => o.id)
      .connect(timed(env, payments, 'payments').keyBy((p) => p.orderId));
    expect(connected).toBeInstanceOf(KeyedConnectedStreams);
    connected.process('match-payments', matcher).sinkTo(sink);
    await env.execute();
    expect(sink.values).toHaveLength(4);
  });

  it('fires timers per key with the key set, in the harness too', () => {
    const runner = TestOperatorRunner.twoInput<Order, Payment, string>((o, p) =>
      o
        .connect(p)
        .keyBy(
          (x) => x.id,
          (y) => y.orderId,
        )
        .process('match-payments', matcher),
    );
    runner.processElement({ id: 'a', t: 1_000, amount: 1 }, 1_000);
    runner.processElement({ id: 'b', t: 2_000, amount: 1 }, 2_000);
    expect(runner.numEventTimeTimers()).toBe(2);
    runner.processElement2({ orderId: 'a', t: 1_200 }, 1_200);
    expect(runner.numEventTimeTimers()).toBe(1);
    expect(runner.keyedState('b', new ValueStateDescriptor<Order>('order'))).toEqual({ id: 'b', t: 2_000, amount: 1 });
    runner.processWatermark(12_000);
    expect(runner.output).toEqual([
      { value: 'paid a', timestamp: 1_200 },
      { value: 'unpaid b at 12000', timestamp: 12_000 },
    ]);
    expect(runner.keyedState('b', new ValueStateDescriptor<Order>('order'))).toBeUndefined();
  });

  it('requires a stable name, as every stateful operator does', () => {
    const env = StreamExecutionEnvironment.create();
    env
      .fromElements(1)
      .connect(env.fromElements(2))
      .keyBy(
        (n) => n,
        (n) => n,
      )
      .process({ processElement1() {}, processElement2() {} })
      .print();
    expect(() => env.executeAsync()).toThrow(expect.objectContaining({ code: 'MISSING_UID' }));
  });
});
