import {
  type AggregateFunction,
  CollectSink,
  DataGeneratorSource,
  EventTimeSessionWindows,
  EventTimeTrigger,
  type MergingWindowAssigner,
  OutputTag,
  type ProcessWindowFunction,
  StreamExecutionEnvironment,
  TimeWindow,
  type Trigger,
  type WindowAssigner,
  WatermarkStrategy,
} from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Evt = { key: string; t: number; v: number };

/**
 * A user-defined session assigner with the same rule as EventTimeSessionWindows. The engine
 * merges the built-in session assigners on a fast path (one window in flight per key); it merges
 * this one on the general path, so comparing the two checks that the fast path keeps the semantics.
 */
class UserSessions implements MergingWindowAssigner<Evt, TimeWindow> {
  readonly gap: number;
  constructor(gap: number) {
    this.gap = gap;
  }
  assignWindows(_e: Evt, timestamp: number): readonly TimeWindow[] {
    return [TimeWindow.of(timestamp, timestamp + this.gap)];
  }
  mergeWindows(windows: readonly TimeWindow[], callback: (toBeMerged: TimeWindow[], result: TimeWindow) => void) {
    TimeWindow.mergeWindows(windows, callback);
  }
  getDefaultTrigger(): Trigger<Evt, TimeWindow> {
    return EventTimeTrigger.create() as Trigger<Evt, TimeWindow>;
  }
  isEventTime(): boolean {
    return true;
  }
}

const sumCount: AggregateFunction<Evt, [number, number], [number, number]> = {
  createAccumulator: () => [0, 0],
  add: (e, [s, n]) => [s + e.v, n + 1],
  getResult: (acc) => acc,
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

const row: ProcessWindowFunction<[number, number], string, string, TimeWindow> = {
  process(key, ctx, results, out) {
    for (const [sum, count] of results) out.collect(`${key}|${ctx.window.start}|${ctx.window.end}|${sum}|${count}`);
  },
};

/** Runs sessions over `arrival` (that order, a watermark after each record); outputs in emission order. */
async function run(
  arrival: readonly Evt[],
  assigner: WindowAssigner<Evt, TimeWindow>,
  bound: number,
  lateness: number,
): Promise<{ fired: string[]; late: string[] }> {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const sink = new CollectSink<string>();
  const lateSink = new CollectSink<string>();
  const late = new OutputTag<Evt>('late');
  const windows = env
    .fromSource(
      new DataGeneratorSource({ count: arrival.length, batchSize: 1, generate: (i) => arrival[i] as Evt }),
      WatermarkStrategy.forBoundedOutOfOrderness<Evt>(bound).withTimestampAssigner((e) => e.t),
      'events',
    )
    .keyBy((e) => e.key)
    .window(assigner)
    .allowedLateness(lateness)
    .sideOutputLateData(late)
    .aggregate('sessions', sumCount, row);
  windows.sinkTo(sink, 'fired');
  windows
    .getSideOutput(late)
    .map('late-row', (e) => `${e.key}|${e.t}|${e.v}`)
    .sinkTo(lateSink, 'late-sink');
  await env.execute();
  return { fired: [...sink.values], late: [...lateSink.values] };
}

describe('session window merging', () => {
  it('built-in sessions (fast path) fire exactly what the general merging path fires, late data included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'c'),
            t: fc.integer({ min: 0, max: 1000 }),
            v: fc.integer({ min: 1, max: 100 }),
          }),
          { minLength: 10, maxLength: 80, size: 'max' },
        ),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 800 }),
        fc.constantFrom(0, 300, 1000),
        async (arrival, gap, bound, lateness) => {
          const fast = await run(arrival, EventTimeSessionWindows.withGap(gap), bound, lateness);
          const general = await run(arrival, new UserSessions(gap), bound, lateness);
          expect(fast).toEqual(general);
          const counted = [...fast.fired, ...fast.late].length;
          expect(counted).toBeGreaterThan(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a window inside the session, one that extends it, and one that bridges two sessions', async () => {
    const arrival: Evt[] = [
      { key: 'a', t: 0, v: 1 }, // [0, 100)
      { key: 'a', t: 50, v: 2 }, // inside: [0, 150) after extension by its own end
      { key: 'a', t: 0, v: 4 }, // inside the in-flight session
      { key: 'a', t: 400, v: 8 }, // a second session [400, 500)
      { key: 'a', t: 220, v: 16 }, // [220, 320) touches neither: a third session
      { key: 'a', t: 300, v: 32 }, // [300, 400) touches the second and third: bridges them
    ];
    const fast = await run(arrival, EventTimeSessionWindows.withGap(100), 10_000, 0);
    expect(fast.fired).toEqual(['a|0|150|7|3', 'a|220|500|56|3']);
    expect(await run(arrival, new UserSessions(100), 10_000, 0)).toEqual(fast);
  });
});
