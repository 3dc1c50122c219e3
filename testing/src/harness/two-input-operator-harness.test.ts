import {
  type DataStream,
  type KeyedBroadcastProcessFunction,
  type KeyedCoProcessFunction,
  MapStateDescriptor,
  type ProcessJoinFunction,
  type ValueState,
  ValueStateDescriptor,
} from '@sluice/core';
import { TwoInputOperatorHarness } from '@sluice/testing';
import { describe, expect, it } from 'vitest';

type Order = { id: string; amount: number };
type Shipment = { orderId: string };
type Txn = { account: string; amount: number };

describe('TwoInputOperatorHarness', () => {
  it('drives a CoProcessFunction', () => {
    const harness = TwoInputOperatorHarness.forCoProcessFunction<number, string, string>({
      processElement1: (n, ctx, out) => out.collect(`n${n}@${ctx.timestamp()}`),
      processElement2: (s, _ctx, out) => out.collect(`s${s}`),
    });
    harness.processElement1(1, 100).processElement2('x').processElement1(2);
    expect(harness.getOutput()).toEqual([
      { value: 'n1@100', timestamp: 100 },
      { value: 'sx', timestamp: undefined },
      { value: 'n2@undefined', timestamp: undefined },
    ]);
  });

  it('combines the watermarks of both inputs', () => {
    const harness = TwoInputOperatorHarness.forCoProcessFunction<number, number, number>({
      processElement1() {},
      processElement2() {},
    });
    harness.processWatermark1(1_000).processWatermark2(500);
    harness.processWatermark2(2_000);
    harness.setInputIdle(1, true); // input 1 idle: only input 2 counts
    expect(harness.getWatermarks()).toEqual([500, 1_000, 2_000]);
  });

  it('drives a KeyedCoProcessFunction with state and timers shared by both inputs', () => {
    const order = new ValueStateDescriptor<Order>('order');
    type Fn = KeyedCoProcessFunction<string, Order, Shipment, string> & { order: ValueState<Order> };
    const harness = TwoInputOperatorHarness.forKeyedCoProcessFunction(
      {
        open(ctx) {
          this.order = ctx.getState(order);
        },
        processElement1(o, ctx, _out) {
          this.order.update(o);
          ctx.timerService().registerEventTimeTimer((ctx.timestamp() ?? 0) + 1_000);
        },
        processElement2(_s, ctx, out) {
          out.collect(`${ctx.getCurrentKey()} shipped`);
          this.order.clear();
        },
        onTimer(_t, ctx, out) {
          if (this.order.value() !== undefined) out.collect(`${ctx.getCurrentKey()} late`);
        },
      } as Fn,
      (o: Order) => o.id,
      (s: Shipment) => s.orderId,
    );
    harness.processElement1({ id: 'o1', amount: 5 }, 0).processElement1({ id: 'o2', amount: 7 }, 0);
    harness.processElement2({ orderId: 'o1' }, 300);
    expect(harness.getKeyedState('o2', order)).toEqual({ id: 'o2', amount: 7 });
    expect(harness.getKeyedState('o1', order)).toBeUndefined();
    harness.processWatermark(1_000);
    expect(harness.getOutputValues()).toEqual(['o1 shipped', 'o2 late']);
    expect(harness.numEventTimeTimers()).toBe(0);
  });

  it('drives a KeyedBroadcastProcessFunction: broadcast state, applyToKeyedState, snapshot and restore', () => {
    const limits = new MapStateDescriptor<string, number>('limits');
    const total = new ValueStateDescriptor<number>('total');
    type Fn = KeyedBroadcastProcessFunction<string, Txn, number, string> & { total: ValueState<number> };
    const fn = {
      open(ctx) {
        this.total = ctx.getState(total);
      },
      processElement(txn, ctx, out) {
        const sum = (this.total.value() ?? 0) + txn.amount;
        this.total.update(sum);
        const limit = ctx.getBroadcastState(limits).get('daily');
        if (limit !== undefined && sum > limit) out.collect(`${ctx.getCurrentKey()} over ${limit}`);
      },
      processBroadcastElement(limit, ctx, out) {
        ctx.getBroadcastState(limits).put('daily', limit);
        ctx.applyToKeyedState(total, (account, state) => {
          if ((state.value() ?? 0) > limit) out.collect(`${account} already over ${limit}`);
        });
      },
    } as Fn;
    const harness = TwoInputOperatorHarness.forKeyedBroadcastProcessFunction(fn, (t: Txn) => t.account, [limits]);
    harness.processElement1({ account: 'a', amount: 80 }).processElement1({ account: 'b', amount: 20 });
    harness.processBroadcastElement(50);
    harness.processElement1({ account: 'b', amount: 40 });
    expect(harness.getOutputValues()).toEqual(['a already over 50', 'b over 50']);
    expect(harness.getBroadcastState(limits)).toEqual(new Map([['daily', 50]]));

    const restored = TwoInputOperatorHarness.forKeyedBroadcastProcessFunction(fn, (t: Txn) => t.account, [limits]);
    restored.restoreBroadcastState(harness.snapshotBroadcastState());
    restored.processElement1({ account: 'c', amount: 51 });
    expect(restored.getOutputValues()).toEqual(['c over 50']);
  });

  it('tests an interval join built with the DataStream API', () => {
    type Click = { user: string; id: string };
    const join: ProcessJoinFunction<Click, Click, string> = {
      processElement: (l, r, ctx, out) => out.collect(`${l.id}+${r.id}@${ctx.getTimestamp()}`),
    };
    const harness = TwoInputOperatorHarness.forStreams((clicks: DataStream<Click>, views: DataStream<Click>) =>
      clicks
        .keyBy((c) => c.user)
        .intervalJoin(views.keyBy((v) => v.user))
        .between(-10, 10)
        .process('join', join),
    );
    harness.processElement2({ user: 'u', id: 'v1' }, 95);
    harness.processElement1({ user: 'u', id: 'c1' }, 100);
    harness.processElement2({ user: 'u', id: 'v2' }, 111);
    expect(harness.getOutput()).toEqual([{ value: 'c1+v1@100', timestamp: 100 }]);
    harness.processWatermark(200);
    expect(harness.numKeyedStateEntries()).toBe(0);
  });
});
