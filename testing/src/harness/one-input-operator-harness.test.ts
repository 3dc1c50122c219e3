import {
  AsyncDataStream,
  type DataStream,
  type KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  OutputTag,
  type ProcessFunction,
  TumblingEventTimeWindows,
  type ValueState,
  ValueStateDescriptor,
} from '@sluice/core';
import { OneInputOperatorHarness } from '@sluice/testing';
import { describe, expect, it } from 'vitest';

type Login = { user: string; ok: boolean };

// The function under test: alerts after 3 failed logins in a row, forgets a user after 60 s idle.
const failures = new ValueStateDescriptor<number>('failures');
const lastSeen = new MapStateDescriptor<string, number>('last-seen');
const suspicious = new OutputTag<string>('suspicious');
type BruteForce = KeyedProcessFunction<string, Login, string> & { failures: ValueState<number> };
const bruteForce = {
  open(ctx) {
    this.failures = ctx.getState(failures);
    ctx.getMapState(lastSeen);
  },
  processElement(login, ctx, out) {
    const n = login.ok ? 0 : (this.failures.value() ?? 0) + 1;
    this.failures.update(n);
    if (n === 3) out.collect(`${ctx.getCurrentKey()}: 3 failures`);
    if (n > 3) ctx.output(suspicious, ctx.getCurrentKey());
    ctx.timerService().registerEventTimeTimer((ctx.timestamp() ?? 0) + 60_000);
    ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 10_000);
  },
  onTimer(time, ctx, out) {
    if (ctx.timeDomain() === 'processing-time') out.collect(`${ctx.getCurrentKey()}: checked at ${time}`);
    else this.failures.clear();
  },
} as BruteForce;

describe('OneInputOperatorHarness', () => {
  it('drives a KeyedProcessFunction: output, side output, keyed state and timers', () => {
    const harness = OneInputOperatorHarness.forKeyedProcessFunction(bruteForce, (l: Login) => l.user);
    harness
      .processElement({ user: 'mallory', ok: false }, 1_000)
      .processElement({ user: 'mallory', ok: false }, 2_000)
      .processElement({ user: 'alice', ok: true }, 2_500)
      .processElement({ user: 'mallory', ok: false }, 3_000)
      .processElement({ user: 'mallory', ok: false }, 4_000);

    expect(harness.getOutput()).toEqual([{ value: 'mallory: 3 failures', timestamp: 3_000 }]);
    expect(harness.getSideOutput(suspicious)).toEqual([{ value: 'mallory', timestamp: 4_000 }]);
    expect(harness.getKeyedState('mallory', failures)).toBe(4);
    expect(harness.getKeyedState('alice', failures)).toBe(0);
    expect(harness.getKeyedState('bob', failures)).toBeUndefined();
    expect(harness.getKeyedState('bob', lastSeen)).toEqual(new Map());
    expect(harness.keysWithState(failures).sort()).toEqual(['alice', 'mallory']);
    expect(harness.numEventTimeTimers()).toBe(5); // deduplicated per key and time
    expect(harness.numProcessingTimeTimers()).toBe(2); // both keys at 10 000

    harness.processWatermark(62_500); // mallory@61 000, 62 000 and alice@62 500 fire
    expect(harness.numEventTimeTimers()).toBe(2);
    expect(harness.getKeyedState('alice', failures)).toBeUndefined();
    expect(harness.getWatermarks()).toEqual([62_500]);

    harness.advanceProcessingTime(10_000);
    expect(harness.extractOutputValues()).toEqual([
      'mallory: 3 failures',
      'mallory: checked at 10000',
      'alice: checked at 10000',
    ]);
    expect(harness.getOutputValues()).toEqual([]);
    expect(harness.numProcessingTimeTimers()).toBe(0);
  });

  it('uses the clock it is given', () => {
    const clock = new ManualClock(5_000);
    const harness = OneInputOperatorHarness.forKeyedProcessFunction(bruteForce, (l: Login) => l.user, { clock });
    harness.processElement({ user: 'a', ok: true });
    clock.advance(20_000); // moving the clock alone fires nothing ...
    expect(harness.getOutputValues()).toEqual([]);
    harness.setProcessingTime(clock.now()); // ... the harness fires what is due
    expect(harness.getOutputValues()).toEqual(['a: checked at 15000']); // the timer's own time
    expect(harness.currentProcessingTime()).toBe(25_000);
  });

  it('drives a ProcessFunction with operator list state across a snapshot and restore', () => {
    const buffered = new ListStateDescriptor<string>('buffered');
    const batcher = {
      open(ctx) {
        this.buffer = ctx.getListState(buffered);
      },
      processElement(s, _ctx, out) {
        this.buffer.add(s);
        if (this.buffer.get().length === 3) {
          out.collect(this.buffer.get().join(','));
          this.buffer.clear();
        }
      },
    } as ProcessFunction<string, string> & { buffer: ListState<string> };
    const before = OneInputOperatorHarness.forProcessFunction(batcher).processElements(['a', 'b', 'c', 'd']);
    expect(before.getOutputValues()).toEqual(['a,b,c']);
    expect(before.getOperatorListState(buffered)).toEqual(['d']);

    const after = OneInputOperatorHarness.forProcessFunction(batcher).restoreOperatorState(
      before.snapshotOperatorState(),
    );
    after.processElements(['e', 'f']);
    expect(after.getOutputValues()).toEqual(['d,e,f']);
  });

  it('tests a window operator built with the DataStream API', async () => {
    const harness = OneInputOperatorHarness.forStream((input: DataStream<[string, number]>) =>
      input
        .keyBy(([k]) => k)
        .window(TumblingEventTimeWindows.of(1_000))
        .reduce('sum-per-second', (a, b) => [a[0], a[1] + b[1]]),
    );
    harness.processElement(['a', 1], 100).processElement(['a', 2], 900).processElement(['b', 5], 950);
    harness.processElement(['a', 10], 1_500);
    harness.processWatermark(999);
    expect(harness.getOutput()).toEqual([
      { value: ['a', 3], timestamp: 999 },
      { value: ['b', 5], timestamp: 999 },
    ]);
    await harness.endInput();
    expect(harness.getOutputValues().slice(2)).toEqual([['a', 10]]);
    expect(harness.numKeyedStateEntries()).toBe(0);
  });

  it('tests async I/O: results after settle, timeouts on the harness clock, end of input waits', async () => {
    const pending: (() => void)[] = [];
    const harness = OneInputOperatorHarness.forStream((input: DataStream<number>) =>
      AsyncDataStream.orderedWait(
        input,
        'lookup',
        (n) =>
          new Promise<number[]>((resolve) => {
            pending.push(() => resolve([n * 2]));
          }),
        { timeoutMs: 1_000, timeout: () => [-1] },
      ),
    );
    harness.processElement(1, 10).processElement(2, 20).processElement(3, 30);
    pending[1]?.();
    await harness.settle();
    expect(harness.getOutputValues()).toEqual([]); // ordered: 2 waits for 1
    pending[0]?.();
    await harness.settle();
    expect(harness.getOutput()).toEqual([
      { value: 2, timestamp: 10 },
      { value: 4, timestamp: 20 },
    ]);
    harness.advanceProcessingTime(1_000); // 3 times out
    expect(harness.getOutputValues()).toEqual([2, 4, -1]);
    harness.processElement(4);
    const ended = harness.endInput();
    pending[3]?.();
    await ended;
    expect(harness.getOutputValues()).toEqual([2, 4, -1, 8]);
  });

  it('refuses to test more than one operator', () => {
    expect(() =>
      OneInputOperatorHarness.forStream((input: DataStream<number>) => input.map('a', (n) => n).map('b', (n) => n)),
    ).toThrow(/exactly one/);
  });
});
