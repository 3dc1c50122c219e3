import {
  type AggregateFunction,
  CollectSink,
  DataGeneratorSource,
  EventTimeSessionWindows,
  type ProcessWindowFunction,
  type RuntimeMode,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  type WindowAssigner,
  WatermarkStrategy,
} from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Evt = { key: string; t: number; v: number };

const BOUND = 2000;

/** Sum and count of `v`, mergeable (sessions). */
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

/** Runs the keyed window job over `arrival` (that order, a watermark after every record). */
async function runJob(
  arrival: readonly Evt[],
  assigner: WindowAssigner<Evt, TimeWindow>,
  parallelism: number,
  runtimeMode: RuntimeMode = 'STREAMING',
): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism, runtimeMode });
  const sink = new CollectSink<string>();
  env
    .fromSource(
      new DataGeneratorSource({ count: arrival.length, batchSize: 1, generate: (i) => arrival[i] as Evt }),
      WatermarkStrategy.forBoundedOutOfOrderness<Evt>(BOUND).withTimestampAssigner((e) => e.t),
      'events',
    )
    .keyBy((e) => e.key)
    .window(assigner)
    .aggregate('windows', sumCount, row)
    .sinkTo(sink);
  await env.execute();
  return [...sink.values].sort();
}

function bruteForce(
  groups: Map<string, { key: string; start: number; end: number; sum: number; count: number }>,
): string[] {
  return [...groups.values()].map((g) => `${g.key}|${g.start}|${g.end}|${g.sum}|${g.count}`).sort();
}

function addTo(
  groups: Map<string, { key: string; start: number; end: number; sum: number; count: number }>,
  key: string,
  start: number,
  end: number,
  v: number,
): void {
  const id = `${key}|${start}|${end}`;
  const g = groups.get(id) ?? { key, start, end, sum: 0, count: 0 };
  g.sum += v;
  g.count++;
  groups.set(id, g);
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

function expectedTumbling(events: readonly Evt[], size: number, offset: number): string[] {
  const groups = new Map();
  for (const e of events) {
    const start = e.t - mod(e.t - offset, size);
    addTo(groups, e.key, start, start + size, e.v);
  }
  return bruteForce(groups);
}

function expectedSliding(events: readonly Evt[], size: number, slide: number, offset: number): string[] {
  const groups = new Map();
  for (const e of events) {
    // Every start aligned to offset (mod slide) with start <= t < start + size.
    for (let start = e.t - mod(e.t - offset, slide); start > e.t - size; start -= slide)
      addTo(groups, e.key, start, start + size, e.v);
  }
  return bruteForce(groups);
}

function expectedSessions(events: readonly Evt[], gap: number): string[] {
  const groups = new Map();
  const byKey = new Map<string, Evt[]>();
  for (const e of events) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.t - b.t);
    let session: Evt[] = [];
    const flush = (): void => {
      const start = (session[0] as Evt).t;
      const end = Math.max(...session.map((e) => e.t)) + gap;
      for (const e of session) addTo(groups, key, start, end, e.v);
    };
    for (const e of list) {
      // Windows [t, t + gap) that overlap or touch merge: a new session starts after a larger gap.
      if (session.length > 0 && e.t > Math.max(...session.map((x) => x.t)) + gap) {
        flush();
        session = [];
      }
      session.push(e);
    }
    if (session.length > 0) flush();
  }
  return bruteForce(groups);
}

/**
 * Keyed events and an arrival order in which no event is later than the watermark allows:
 * each event is delayed by at most `maxDelay` of event time, so anything that overtakes it is at
 * most `maxDelay` newer, and the watermark (max - BOUND - 1) stays below its timestamp.
 */
function arrivals(maxDelay: number): fc.Arbitrary<Evt[]> {
  return fc
    .array(
      fc.record({
        key: fc.constantFrom('a', 'b', 'c', 'd'),
        t: fc.integer({ min: -5000, max: 20_000 }),
        v: fc.integer({ min: 1, max: 100 }),
        delay: fc.integer({ min: 0, max: maxDelay }),
      }),
      { minLength: 1, maxLength: 60 },
    )
    .map((list) =>
      list
        .map((e, i) => ({ ...e, i }))
        .sort((a, b) => a.t + a.delay - (b.t + b.delay) || a.i - b.i)
        .map(({ key, t, v }) => ({ key, t, v })),
    );
}

const RUNS = { numRuns: 50 };

describe('window properties (fast-check): streaming results equal a batch computation at any parallelism', () => {
  it('tumbling windows', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivals(BOUND),
        fc.integer({ min: 200, max: 6000 }),
        fc.double({ min: -0.99, max: 0.99, noNaN: true }),
        async (events, size, f) => {
          const offset = Math.trunc(size * f);
          const expected = expectedTumbling(events, size, offset);
          for (const p of [1, 2, 4])
            expect(await runJob(events, TumblingEventTimeWindows.of(size, offset), p)).toEqual(expected);
        },
      ),
      RUNS,
    );
  });

  it('sliding windows', async () => {
    await fc.assert(
      fc.asyncProperty(
        arrivals(BOUND),
        fc.integer({ min: 500, max: 6000 }),
        fc.integer({ min: 200, max: 3000 }),
        fc.double({ min: -0.99, max: 0.99, noNaN: true }),
        async (events, size, slide, f) => {
          const offset = Math.trunc(slide * f);
          const expected = expectedSliding(events, size, slide, offset);
          for (const p of [1, 2, 4])
            expect(await runJob(events, SlidingEventTimeWindows.of(size, slide, offset), p)).toEqual(expected);
        },
      ),
      RUNS,
    );
  });

  it('session windows', async () => {
    // Delays strictly below the bound: a session [s, last + gap) fires at watermark last + gap - 1;
    // an event at exactly last + gap arriving after that would start a new session in streaming
    // (Flink semantics) although it touches the old one.
    await fc.assert(
      fc.asyncProperty(arrivals(BOUND - 1), fc.integer({ min: 100, max: 3000 }), async (events, gap) => {
        const expected = expectedSessions(events, gap);
        for (const p of [1, 2, 4])
          expect(await runJob(events, EventTimeSessionWindows.withGap(gap), p)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('BATCH mode gives the same results as STREAMING on bounded input', async () => {
    await fc.assert(
      fc.asyncProperty(arrivals(BOUND - 1), fc.integer({ min: 100, max: 3000 }), async (events, n) => {
        const cases: [WindowAssigner<Evt, TimeWindow>, string[]][] = [
          [TumblingEventTimeWindows.of(n * 2), expectedTumbling(events, n * 2, 0)],
          [SlidingEventTimeWindows.of(n * 2, n), expectedSliding(events, n * 2, n, 0)],
          [EventTimeSessionWindows.withGap(n), expectedSessions(events, n)],
        ];
        for (const [assigner, expected] of cases) {
          expect(await runJob(events, assigner, 2, 'STREAMING')).toEqual(expected);
          expect(await runJob(events, assigner, 2, 'BATCH')).toEqual(expected);
        }
      }),
      { numRuns: 15 },
    );
  });
});
