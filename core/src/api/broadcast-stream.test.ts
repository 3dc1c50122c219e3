import {
  BroadcastStream,
  CollectSink,
  type JobClient,
  type KeyedBroadcastProcessFunction,
  type ListState,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  type Source,
  type SourceReader,
  type SourceSplit,
  SluiceError,
  StreamExecutionEnvironment,
  TestOperatorRunner,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

/** A bounded, non-parallel source that emits each value once the manual clock reaches its time. */
function timedSource<T>(items: readonly { at: number; value: T }[]): Source<T> {
  return {
    boundedness: 'bounded',
    maxParallelism: 1,
    createEnumerator: (ctx) => ({
      start() {},
      addReader(subtask) {
        ctx.signalNoMoreSplits(subtask);
      },
      addSplitsBack() {},
      snapshotState: () => null,
      close() {},
    }),
    restoreEnumerator() {
      throw new SluiceError('ILLEGAL_STATE', 'not restorable');
    },
    createReader(ctx): SourceReader<T, SourceSplit> {
      let next = 0;
      return {
        start() {},
        addSplits() {},
        notifyNoMoreSplits() {},
        pollNext(out) {
          for (let item = items[next]; item !== undefined && item.at <= ctx.now(); item = items[++next])
            out.collect(item.value);
          return next >= items.length ? 'end-of-input' : 'nothing-available';
        },
        isAvailable: () => ctx.sleepUntil((items[next] as { at: number }).at),
        snapshotState: () => [],
        close() {},
      };
    },
  };
}

/** Moves the manual clock through `times`, letting the job react after each step, then awaits it. */
async function runThrough(client: JobClient, clock: ManualClock, times: number[]): Promise<void> {
  for (const t of times) {
    clock.set(t);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
  await client.result;
}

type Txn = { account: string; amount: number };
type Rule = { name: string; limit: number };
const rules = new MapStateDescriptor<string, Rule>('rules');

/**
 * Alerts on transactions above the 'large' rule's limit. Transactions that arrive before any rule
 * are kept per account and checked when the first rule arrives (late broadcast elements).
 */
type Checker = KeyedBroadcastProcessFunction<string, Txn, Rule, string> & { waiting: ListState<Txn> };
const waitingDescriptor = new ListStateDescriptor<Txn>('waiting');
const checker = {
  open(ctx) {
    this.waiting = ctx.getListState(waitingDescriptor);
  },
  processElement(txn, ctx, out) {
    const rule = ctx.getBroadcastState(rules).get('large');
    if (rule === undefined) this.waiting.add(txn);
    else if (txn.amount > rule.limit) out.collect(`${ctx.getCurrentKey()} ${txn.amount} > ${rule.limit}`);
  },
  processBroadcastElement(rule, ctx, out) {
    ctx.getBroadcastState(rules).put(rule.name, rule);
    ctx.applyToKeyedState(waitingDescriptor, (account, waiting) => {
      for (const txn of waiting.get())
        if (txn.amount > rule.limit) out.collect(`${account} ${txn.amount} > ${rule.limit} (late rule)`);
      waiting.clear();
    });
  },
} as Checker;

describe('broadcast state', () => {
  for (const parallelism of [1, 3]) {
    it(`lets a rules stream change a keyed stream's behaviour on every subtask (parallelism ${parallelism})`, async () => {
      const clock = new ManualClock(0);
      const env = StreamExecutionEnvironment.create({ parallelism, clock });
      const txns = env.fromSource(
        timedSource<Txn>([
          { at: 10, value: { account: 'alice', amount: 50 } }, // before any rule: waits
          { at: 10, value: { account: 'bob', amount: 500 } },
          { at: 10, value: { account: 'carol', amount: 5 } },
          { at: 30, value: { account: 'alice', amount: 150 } }, // limit 100
          { at: 30, value: { account: 'dave', amount: 90 } },
          { at: 50, value: { account: 'dave', amount: 60 } }, // limit 40 now
          { at: 50, value: { account: 'erin', amount: 30 } },
        ]),
        WatermarkStrategy.noWatermarks(),
        'txns',
      );
      const ruleUpdates = env.fromSource(
        timedSource<Rule>([
          { at: 20, value: { name: 'large', limit: 100 } },
          { at: 40, value: { name: 'large', limit: 40 } },
        ]),
        WatermarkStrategy.noWatermarks(),
        'rules',
      );
      const broadcast = ruleUpdates.broadcast(rules);
      expect(broadcast).toBeInstanceOf(BroadcastStream);
      const sink = new CollectSink<string>();
      txns
        .keyBy((t) => t.account)
        .connect(broadcast)
        .process('check-limits', checker)
        .sinkTo(sink);
      await runThrough(env.executeAsync(), clock, [10, 20, 30, 40, 50]);
      expect([...sink.values].sort()).toEqual(['alice 150 > 100', 'bob 500 > 100 (late rule)', 'dave 60 > 40']);
    });
  }

  it('gives every subtask the same broadcast state, read-only on the keyed side', () => {
    const readOnlyHasPut: boolean[] = [];
    const build = (subtaskIndex: number) =>
      TestOperatorRunner.twoInput<Txn, Rule, string>(
        (txns, ruleUpdates) =>
          txns
            .keyBy((t) => t.account)
            .connect(ruleUpdates.broadcast(rules))
            .process<string>('check', {
              processElement(txn, ctx, out) {
                const state = ctx.getBroadcastState(rules);
                readOnlyHasPut.push('put' in state);
                out.collect(`${txn.account}:${state.get('large')?.limit}`);
              },
              processBroadcastElement(rule, ctx) {
                ctx.getBroadcastState(rules).put(rule.name, rule);
              },
            }),
        { parallelism: 2, subtaskIndex },
      );
    const subtasks = [build(0), build(1)];
    for (const s of subtasks) s.processElement2({ name: 'large', limit: 7 });
    for (const s of subtasks)
      expect(s.broadcastState(rules)).toEqual(new Map([['large', { name: 'large', limit: 7 }]]));
    expect(subtasks[0]?.snapshotBroadcastState()).toEqual(subtasks[1]?.snapshotBroadcastState());
    // A key owned by the other subtask is refused, as the real partitioner would never send it.
    const [zero] = subtasks;
    let refused = 0;
    for (const account of ['a', 'b', 'c', 'd', 'e', 'f']) {
      try {
        zero?.processElement({ account, amount: 1 });
      } catch (e) {
        expect(e).toMatchObject({ code: 'INVALID_ARGUMENT' });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(zero?.output.map((r) => r.value.split(':')[1])).toEqual(Array(6 - refused).fill('7'));
    expect(readOnlyHasPut.every((has) => !has)).toBe(true);
  });

  it('has no current key on the broadcast side, and fires keyed timers that read broadcast state', () => {
    type Fn = KeyedBroadcastProcessFunction<string, Txn, Rule, string> & { count: ValueState<number> };
    const runner = TestOperatorRunner.twoInput<Txn, Rule, string>((txns, ruleUpdates) =>
      txns
        .keyBy((t) => t.account)
        .connect(ruleUpdates.broadcast(rules))
        .process('remind', {
          open(ctx) {
            this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
          },
          processElement(_txn, ctx, _out) {
            this.count.update((this.count.value() ?? 0) + 1);
            ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 1_000);
          },
          processBroadcastElement(rule, ctx, _out) {
            ctx.getBroadcastState(rules).put(rule.name, rule);
            this.count.value(); // no current key here
          },
          onTimer(time, ctx, out) {
            out.collect(
              `${ctx.getCurrentKey()} x${this.count.value()} @${time} limit ${ctx.getBroadcastState(rules).get('large')?.limit}`,
            );
          },
        } as Fn),
    );
    runner.processElement({ account: 'a', amount: 1 });
    runner.processElement({ account: 'a', amount: 2 });
    expect(runner.numProcessingTimeTimers()).toBe(1);
    expect(() => runner.processElement2({ name: 'large', limit: 9 })).toThrow(
      expect.objectContaining({ code: 'STATE_OUTSIDE_KEYED_CONTEXT' }),
    );
    runner.setProcessingTime(1_000);
    expect(runner.output.map((r) => r.value)).toEqual(['a x2 @1000 limit 9']);
  });

  it('refuses a broadcast state that was not declared', () => {
    const runner = TestOperatorRunner.twoInput<number, number, number>((a, b) =>
      a.connect(b.broadcast(rules)).process('p', {
        processElement(n, ctx, out) {
          ctx.getBroadcastState(new MapStateDescriptor<string, number>('typo'));
          out.collect(n);
        },
        processBroadcastElement() {},
      }),
    );
    expect(() => runner.processElement(1)).toThrow(/'typo' does not exist.*broadcast\(descriptor/);
  });

  it('runs a non-keyed BroadcastProcessFunction and keeps plain broadcast() partitioning', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ parallelism: 2, clock });
    const thresholds = new MapStateDescriptor<string, number>('thresholds');
    const sink = new CollectSink<number>();
    const everywhere = new CollectSink<string>();
    env
      .fromSource(
        timedSource([
          { at: 2, value: 5 },
          { at: 2, value: 50 },
        ]),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .rebalance()
      .connect(
        env
          .fromSource(timedSource([{ at: 1, value: 10 }]), WatermarkStrategy.noWatermarks(), 'threshold')
          .broadcast(thresholds),
      )
      .process<number>('above', {
        processElement(n, ctx, out) {
          if (n > (ctx.getBroadcastState(thresholds).get('min') ?? Number.POSITIVE_INFINITY)) out.collect(n);
        },
        processBroadcastElement(min, ctx) {
          ctx.getBroadcastState(thresholds).put('min', min);
        },
      })
      .sinkTo(sink);
    env
      .fromElements('x')
      .broadcast()
      .map('tag', (x) => x)
      .setParallelism(2)
      .sinkTo(everywhere, 'everywhere');
    await runThrough(env.executeAsync(), clock, [1, 2]);
    expect(sink.values).toEqual([50]);
    expect(everywhere.values).toEqual(['x', 'x']);
  });

  it('refuses broadcast() on a keyed stream and duplicate descriptors', () => {
    const env = StreamExecutionEnvironment.create();
    expect(() =>
      env
        .fromElements(1)
        .keyBy((n) => n)
        .broadcast(),
    ).toThrow(/would break key partitioning/);
    expect(() => env.fromElements(1).broadcast(rules, new MapStateDescriptor<string, Rule>('rules'))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
