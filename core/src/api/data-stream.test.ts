import {
  CollectSink,
  DataGeneratorSource,
  type KeyedProcessFunction,
  ManualClock,
  OutputTag,
  SluiceError,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

describe('DataStream basics', () => {
  it('maps, filters and flat-maps in order', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<string>();
    env
      .fromElements(1, 2, 3, 4, 5)
      .filter('odd', (n) => n % 2 === 1)
      .map('square', (n) => n * n)
      .flatMap('twice', (n, out) => {
        out.collect(`${n}a`);
        out.collect(`${n}b`);
      })
      .sinkTo(sink);
    await env.execute('basics');
    expect(sink.values).toEqual(['1a', '1b', '9a', '9b', '25a', '25b']);
  });

  it('routes bad records to a side output instead of failing', async () => {
    const env = StreamExecutionEnvironment.create();
    const invalid = new OutputTag<string>('invalid');
    const good = new CollectSink<number>();
    const bad = new CollectSink<string>();
    const parsed = env.fromElements('1', 'x', '3').process<number>('parse', {
      processElement(line, ctx, out) {
        const n = Number(line);
        if (Number.isNaN(n)) ctx.output(invalid, line);
        else out.collect(n);
      },
    });
    parsed.sinkTo(good);
    parsed.getSideOutput(invalid).sinkTo(bad, 'dead-letter');
    await env.execute();
    expect(good.values).toEqual([1, 3]);
    expect(bad.values).toEqual(['x']);
  });

  it('unions streams', async () => {
    const env = StreamExecutionEnvironment.create();
    const sink = new CollectSink<number>();
    env.fromElements(1, 2).union(env.fromElements(3), env.fromElements(4)).sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort()).toEqual([1, 2, 3, 4]);
  });

  it('keeps a rolling reduce per key at any parallelism', async () => {
    for (const parallelism of [1, 2, 4]) {
      const env = StreamExecutionEnvironment.create({ parallelism });
      const sink = new CollectSink<[string, number]>();
      env
        .fromElements('a', 'b', 'a', 'c', 'a', 'b')
        .map((w) => [w, 1] as [string, number])
        .keyBy(([w]) => w)
        .reduce('count', (x, y) => [x[0], x[1] + y[1]])
        .sinkTo(sink);
      await env.execute();
      const finals = new Map<string, number>();
      for (const [w, n] of sink.values) finals.set(w, Math.max(finals.get(w) ?? 0, n));
      expect(Object.fromEntries(finals)).toEqual({ a: 3, b: 2, c: 1 });
      expect(sink.values).toHaveLength(6);
    }
  });

  it('fires event-time timers from watermarks, with keyed state', async () => {
    type Evt = { user: string; t: number };
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    const events: Evt[] = [
      { user: 'a', t: 1000 },
      { user: 'b', t: 2000 },
      { user: 'a', t: 3000 },
      { user: 'c', t: 9000 },
      { user: 'a', t: 20_000 },
    ];
    const sink = new CollectSink<string>();
    const fn: KeyedProcessFunction<string, Evt, string> & { last?: ValueState<number> } = {
      open(ctx) {
        this.last = ctx.getState(new ValueStateDescriptor<number>('last'));
      },
      processElement(e, ctx) {
        this.last?.update(e.t);
        ctx.timerService().registerEventTimeTimer(e.t + 5000);
      },
      onTimer(time, ctx, out) {
        if ((this.last?.value() ?? 0) + 5000 === time) out.collect(`${ctx.getCurrentKey()} idle since ${time - 5000}`);
      },
    };
    env
      .fromSource(
        // batchSize 1: a watermark follows every record, so timers fire between records.
        new DataGeneratorSource({ count: events.length, batchSize: 1, generate: (i) => events[i] as Evt }),
        WatermarkStrategy.forMonotonousTimestamps<Evt>().withTimestampAssigner((e) => e.t),
        'events',
      )
      .setParallelism(1)
      .keyBy((e) => e.user)
      .process('idle-detector', fn)
      .sinkTo(sink);
    await env.execute();
    // Watermarks 999, 1999, 2999, 8999, 19999, then MAX at end of input: the timer at 6000 finds a
    // newer event for 'a' and stays silent; every other key's last timer reports it.
    expect([...sink.values].sort()).toEqual([
      'a idle since 20000',
      'a idle since 3000',
      'b idle since 2000',
      'c idle since 9000',
    ]);
    for (const r of sink.records) expect(r.timestamp).toBeGreaterThan(0);
  });

  it('fires processing-time timers from the injected clock', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const sink = new CollectSink<string>();
    env
      .fromSource(
        new DataGeneratorSource({ generate: (i) => `k${i}`, recordsPerSecond: 1 }),
        WatermarkStrategy.noWatermarks<string>(),
        'ticks',
      )
      .keyBy((k) => k)
      .process<string>('reminder', {
        processElement(k, ctx) {
          ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 10_000);
        },
        onTimer(time, ctx, out) {
          out.collect(`${ctx.getCurrentKey()}@${time}`);
        },
      })
      .sinkTo(sink);
    const client = env.executeAsync('clocked');
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    await client.cancel();
    expect(client.status()).toBe('CANCELED');
    // k0 is generated at t=1000 (rate 1/s) and fires at 11000, etc.; nothing fires before its time.
    expect(sink.values.slice(0, 3)).toEqual(['k0@11000', 'k1@12000', 'k2@13000']);
    for (const v of sink.values) {
      const [k, at] = v.split('@');
      expect(Number(at)).toBe((Number(k?.slice(1)) + 1) * 1000 + 10_000);
    }
  });
});

describe('BATCH mode', () => {
  it('fires every pending processing-time timer at end of input, in time order (regression)', async () => {
    // Before the fix only the timers at the earliest time fired: the timer service hands the
    // scheduler one wake-up at a time.
    // One subtask, timers registered in increasing time: only the first becomes a scheduler wake-up.
    const env = StreamExecutionEnvironment.create({ runtimeMode: 'BATCH', clock: new ManualClock(0), parallelism: 1 });
    const sink = new CollectSink<string>();
    env
      .fromElements<[string, number]>(['a', 50], ['b', 100], ['c', 200], ['a', 300])
      .keyBy(([k]) => k)
      .process<string>('remind', {
        processElement([, at], ctx) {
          ctx.timerService().registerProcessingTimeTimer(at);
        },
        onTimer(time, ctx, out) {
          out.collect(`${ctx.getCurrentKey()}@${time}`);
        },
      })
      .sinkTo(sink);
    await env.execute();
    expect(sink.values).toEqual(['a@50', 'b@100', 'c@200', 'a@300']);
  });
});

describe('pipeline errors', () => {
  it('refuses a stateful operator without a name', () => {
    const env = StreamExecutionEnvironment.create();
    env
      .fromElements(1, 2)
      .keyBy((n) => n)
      .reduce((a, b) => a + b)
      .print();
    expect(() => env.executeAsync()).toThrow(expect.objectContaining({ code: 'MISSING_UID' }));
  });

  it('refuses keyBy on a KeyedStream with advice', () => {
    const env = StreamExecutionEnvironment.create();
    const keyed = env.fromElements(1).keyBy((n) => n);
    expect(() => (keyed as unknown as { keyBy: (f: unknown) => unknown }).keyBy((n: number) => n)).toThrow(
      /already partitioned/,
    );
  });

  it('refuses a job without sink', () => {
    const env = StreamExecutionEnvironment.create();
    env.fromElements(1).map((n) => n);
    expect(() => env.executeAsync()).toThrow(SluiceError);
  });

  it('fails the job with a classified error when a key is unhashable', async () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .fromElements({ id: 1 })
      .keyBy((o) => o as unknown as string)
      .reduce('r', (a) => a)
      .print();
    await expect(env.execute()).rejects.toMatchObject({ code: 'UNHASHABLE_KEY' });
  });

  it('reports user function failures with the operator name', async () => {
    const env = StreamExecutionEnvironment.create();
    env
      .fromElements(1)
      .map('explode', () => {
        throw new TypeError('boom');
      })
      .print();
    await expect(env.execute()).rejects.toMatchObject({
      code: 'USER_FUNCTION_FAILED',
      message: expect.stringContaining("'explode'"),
    });
  });
});
