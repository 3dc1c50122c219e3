import { type KeyedProcessFunction, TestOperatorRunner } from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Evt = { key: string; t: number };

/**
 * A bucket of timers (same time, same namespace) is taken out of the queue when it starts firing:
 * what a timer callback registers or deletes meanwhile must still behave as in Flink.
 */
describe('firing event-time timers', () => {
  const runnerFor = (fn: KeyedProcessFunction<string, Evt, string>) =>
    TestOperatorRunner.oneInput<Evt, string>((input) => input.keyBy((e) => e.key).process('timers', fn));

  it('fires timers a callback registers for due times in the same watermark, the re-registered one last', () => {
    const again = new Set<string>();
    const runner = runnerFor({
      processElement(e, ctx) {
        ctx.timerService().registerEventTimeTimer(e.t);
      },
      onTimer(time, ctx, out) {
        const key = ctx.getCurrentKey();
        out.collect(`${key}@${time}`);
        if (key === 'a' && !again.has(key)) {
          again.add(key);
          ctx.timerService().registerEventTimeTimer(time); // same time and namespace: a new bucket
          ctx.timerService().registerEventTimeTimer(time - 5); // earlier, but due too
        }
      },
    });
    for (const key of ['a', 'b', 'c']) runner.processElement({ key, t: 100 }, 100);
    expect(runner.numEventTimeTimers()).toBe(3);
    runner.processWatermark(100);
    const fired = runner.output.map((r) => r.value);
    expect([...fired].sort()).toEqual(['a@100', 'a@100', 'a@95', 'b@100', 'c@100']);
    // Time order between the timers registered by the callback (Flink fires the earlier one
    // even before the rest of the bucket; here it waits for the bucket to finish).
    expect(fired.indexOf('a@95')).toBeLessThan(fired.lastIndexOf('a@100'));
    expect(runner.numEventTimeTimers()).toBe(0);
  });

  it('a timer deleted by its own callback after firing is gone; one deleted for a later time never fires', () => {
    const runner = runnerFor({
      processElement(e, ctx) {
        ctx.timerService().registerEventTimeTimer(e.t);
        ctx.timerService().registerEventTimeTimer(e.t + 10);
      },
      onTimer(time, ctx, out) {
        out.collect(`${ctx.getCurrentKey()}@${time}`);
        ctx.timerService().deleteEventTimeTimer(time); // already removed: nothing to do
        if (ctx.getCurrentKey() === 'b') ctx.timerService().deleteEventTimeTimer(time + 10);
      },
    });
    for (const key of ['a', 'b', 'c']) runner.processElement({ key, t: 100 }, 100);
    expect(runner.numEventTimeTimers()).toBe(6);
    runner.processWatermark(100);
    expect(runner.numEventTimeTimers()).toBe(2);
    runner.processWatermark(200);
    expect(runner.output.map((r) => r.value)).toEqual(['a@100', 'b@100', 'c@100', 'a@110', 'c@110']);
    expect(runner.numEventTimeTimers()).toBe(0);
  });
});
