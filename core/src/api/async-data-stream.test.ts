import {
  AsyncDataStream,
  CollectSink,
  DataGeneratorSource,
  ManualClock,
  StreamExecutionEnvironment,
  TestOperatorRunner,
  WatermarkStrategy,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

/** An async function whose calls the test completes by hand. */
function manualService<IN, OUT>(answer: (value: IN) => OUT[]) {
  const calls: { value: IN; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const fn = (value: IN) =>
    new Promise<OUT[]>((resolve, reject) => {
      calls.push({ value, resolve: () => resolve(answer(value)), reject });
    });
  return { fn, calls };
}

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('async I/O', () => {
  for (const ordered of [true, false]) {
    it(`${ordered ? 'orderedWait keeps input order' : 'unorderedWait emits in completion order'}`, async () => {
      const env = StreamExecutionEnvironment.create();
      const service = manualService((n: number) => [n * 10]);
      const sink = new CollectSink<number>();
      const wait = ordered ? AsyncDataStream.orderedWait : AsyncDataStream.unorderedWait;
      wait(env.fromElements(1, 2, 3, 4), 'lookup', service.fn, { timeoutMs: 60_000 }).sinkTo(sink);
      const client = env.executeAsync();
      await ticks();
      expect(service.calls.map((c) => c.value)).toEqual([1, 2, 3, 4]);
      for (const i of [3, 1, 2, 0]) {
        service.calls[i]?.resolve();
        await ticks();
      }
      await client.result;
      expect(sink.values).toEqual(ordered ? [10, 20, 30, 40] : [40, 20, 30, 10]);
    });
  }

  it('unordered results never overtake a watermark', async () => {
    const service = manualService((n: number) => [n]);
    const runner = TestOperatorRunner.oneInput<number, number>((input) =>
      AsyncDataStream.unorderedWait(input, 'lookup', service.fn, { timeoutMs: 60_000 }),
    );
    runner.processElement(1, 100);
    runner.processElement(2, 200);
    runner.processWatermark(250);
    runner.processElement(3, 300);
    runner.processElement(4, 400);
    service.calls[3]?.resolve(); // after the watermark: must wait for it
    service.calls[1]?.resolve(); // before it: may go at once
    await runner.settle();
    expect(runner.output.map((r) => r.value)).toEqual([2]);
    expect(runner.watermarks).toEqual([]);
    service.calls[0]?.resolve();
    await runner.settle();
    expect(runner.output.map((r) => r.value)).toEqual([2, 1, 4]);
    expect(runner.watermarks).toEqual([250]);
    service.calls[2]?.resolve();
    await runner.settle();
    expect(runner.output).toEqual([
      { value: 2, timestamp: 200 },
      { value: 1, timestamp: 100 },
      { value: 4, timestamp: 400 },
      { value: 3, timestamp: 300 },
    ]);
  });

  it('holds watermarks behind pending records in ordered mode too', async () => {
    const service = manualService((n: number) => [n]);
    const runner = TestOperatorRunner.oneInput<number, number>((input) =>
      AsyncDataStream.orderedWait(input, 'lookup', service.fn, { timeoutMs: 60_000 }),
    );
    runner.processWatermark(50); // nothing pending: forwarded at once
    runner.processElement(1, 100);
    runner.processWatermark(150);
    expect(runner.watermarks).toEqual([50]);
    service.calls[0]?.resolve();
    await runner.settle();
    expect(runner.watermarks).toEqual([50, 150]);
  });

  it('fails the job with ASYNC_TIMEOUT when a call takes longer than timeoutMs', async () => {
    const clock = new ManualClock(0);
    const env = StreamExecutionEnvironment.create({ clock });
    const service = manualService((n: number) => [n]);
    AsyncDataStream.orderedWait(env.fromElements(1), 'slow-lookup', service.fn, { timeoutMs: 1_000 }).print();
    const client = env.executeAsync();
    const outcome = client.result.then(
      () => 'finished',
      (e: unknown) => e,
    );
    await ticks();
    clock.set(999);
    await ticks();
    clock.set(1_000);
    expect(await outcome).toMatchObject({ code: 'ASYNC_TIMEOUT', message: expect.stringContaining("'slow-lookup'") });
  });

  it('uses the timeout handler instead, and ignores the late answer', async () => {
    const service = manualService((n: number) => [`answer ${n}`]);
    const runner = TestOperatorRunner.oneInput<number, string>((input) =>
      AsyncDataStream.orderedWait(input, 'lookup', service.fn, {
        timeoutMs: 1_000,
        timeout: (n) => [`default ${n}`],
      }),
    );
    runner.processElement(1);
    runner.advanceProcessingTime(500);
    runner.processElement(2);
    runner.advanceProcessingTime(500); // 1 times out; 2 has 500 ms left
    service.calls[1]?.resolve();
    await runner.settle();
    service.calls[0]?.resolve(); // too late
    await runner.settle();
    expect(runner.output.map((r) => r.value)).toEqual(['default 1', 'answer 2']);
  });

  it('never has more than `capacity` calls in flight, and pauses its sources meanwhile', async () => {
    const env = StreamExecutionEnvironment.create();
    let inFlight = 0;
    let maxInFlight = 0;
    let passed = 0;
    let invoked = 0;
    let maxWaiting = 0;
    const sink = new CollectSink<number>();
    const numbers = env
      .fromSource(
        new DataGeneratorSource({ count: 200, batchSize: 4, generate: (i) => i }),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .map('count', (n) => {
        passed++;
        maxWaiting = Math.max(maxWaiting, passed - invoked);
        return n;
      });
    AsyncDataStream.unorderedWait(
      numbers,
      'lookup',
      async (n: number) => {
        invoked++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        inFlight--;
        return [n];
      },
      { timeoutMs: 60_000, capacity: 5 },
    ).sinkTo(sink);
    await env.execute();
    expect([...sink.values].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBeGreaterThan(1);
    // Without backpressure the source would run ahead by nearly all 200 records.
    expect(maxWaiting).toBeLessThanOrEqual(5 + 4);
  });

  it('waits at end of input until pending results are emitted', async () => {
    const env = StreamExecutionEnvironment.create();
    const service = manualService((s: string) => [s.toUpperCase()]);
    const sink = new CollectSink<string>();
    AsyncDataStream.orderedWait(env.fromElements('a', 'b'), 'upper', service.fn, { timeoutMs: 60_000 })
      .map('suffix', (s) => `${s}!`)
      .sinkTo(sink);
    let finished = false;
    const result = env.execute().then(() => {
      finished = true;
    });
    await ticks();
    expect(finished).toBe(false);
    service.calls[0]?.resolve();
    await ticks();
    expect(finished).toBe(false);
    expect(sink.values).toEqual(['A!']);
    service.calls[1]?.resolve();
    await result;
    expect(sink.values).toEqual(['A!', 'B!']);
  });

  it('fails the job when a call rejects, and validates its options', async () => {
    const env = StreamExecutionEnvironment.create();
    AsyncDataStream.unorderedWait(env.fromElements(1), 'broken', () => Promise.reject(new TypeError('down')), {
      timeoutMs: 1_000,
    }).print();
    await expect(env.execute()).rejects.toMatchObject({
      code: 'USER_FUNCTION_FAILED',
      message: expect.stringContaining('down'),
    });
    const s = StreamExecutionEnvironment.create().fromElements(1);
    const ok = async (n: number) => [n];
    expect(() => AsyncDataStream.orderedWait(s, 'x', ok, { timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => AsyncDataStream.orderedWait(s, 'x', ok, { timeoutMs: 5, capacity: 0 })).toThrow(/capacity/);
  });
});
