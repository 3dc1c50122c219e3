import {
  type AggregateFunction,
  ContinuousEventTimeTrigger,
  CountTrigger,
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  TestOperatorRunner,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';

type Evt = { key: string; t: number; v: number };
const e = (key: string, t: number, v = 1): Evt => ({ key, t, v });

const sumV: AggregateFunction<Evt, number, number> = {
  createAccumulator: () => 0,
  add: (x, acc) => acc + x.v,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

// Windows must leave no state and no timers behind once they are cleaned up.
describe('window state cleanup', () => {
  it('tumbling and sliding windows with allowed lateness', () => {
    for (const assigner of [TumblingEventTimeWindows.of(1000), SlidingEventTimeWindows.of(1000, 250)]) {
      const runner = TestOperatorRunner.oneInput<Evt, number>((input) =>
        input
          .keyBy((x) => x.key)
          .window(assigner)
          .allowedLateness(500)
          .aggregate('sum', sumV),
      );
      for (const x of [e('a', 100), e('b', 200), e('a', 900, 2), e('c', 1500)]) runner.processElement(x, x.t);
      expect(runner.numEventTimeTimers()).toBeGreaterThan(0);
      runner.processWatermark(1200);
      runner.processElement(e('a', 300, 4), 300); // late but allowed: fires [0,1000) again
      runner.processWatermark(10_000);
      expect(runner.output.length).toBeGreaterThan(0);
      expect(runner.keyedStateSize()).toBe(0);
      expect(runner.numEventTimeTimers()).toBe(0);
    }
  });

  it('session windows with merging trigger state', () => {
    for (const trigger of [ContinuousEventTimeTrigger.of(300), CountTrigger.of(2)]) {
      const runner = TestOperatorRunner.oneInput<Evt, number>((input) =>
        input
          .keyBy((x) => x.key)
          .window(EventTimeSessionWindows.withGap(1000))
          .trigger(trigger)
          .aggregate('sessions', sumV),
      );
      for (const x of [e('a', 0), e('a', 2500), e('b', 100), e('a', 1200), e('a', 5000)]) runner.processElement(x, x.t);
      runner.processWatermark(2000);
      expect(runner.keyedStateSize()).toBeGreaterThan(0);
      runner.processWatermark(100_000);
      expect(runner.keyedStateSize()).toBe(0);
      expect(runner.numEventTimeTimers()).toBe(0);
    }
  });

  it('processing-time windows', () => {
    const runner = TestOperatorRunner.oneInput<Evt, number>((input) =>
      input
        .keyBy((x) => x.key)
        .window(TumblingProcessingTimeWindows.of(1000))
        .aggregate('proc', sumV),
    );
    runner.setProcessingTime(100);
    runner.processElement(e('a', 0));
    runner.processElement(e('b', 0, 5));
    runner.setProcessingTime(1500);
    runner.processElement(e('a', 0, 7));
    expect(runner.output.map((r) => r.value)).toEqual([1, 5]);
    runner.setProcessingTime(2000);
    expect(runner.output.map((r) => [r.value, r.timestamp])).toEqual([
      [1, 999],
      [5, 999],
      [7, 1999],
    ]);
    expect(runner.keyedStateSize()).toBe(0);
    expect(runner.numProcessingTimeTimers()).toBe(0);
  });
});
