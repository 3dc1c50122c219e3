import {
  CollectSink,
  DataGeneratorSource,
  type DataStream,
  ManualClock,
  StreamExecutionEnvironment,
} from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  type Auction,
  type Bid,
  type CategoryAverage,
  type NexmarkEvent,
  type NexmarkOptions,
  type Person,
  nexmarkEvents,
  nexmarkGenerator,
  nexmarkSource,
  nexmarkWatermarks,
  q0,
  q1,
  q2,
  q3,
  q4,
  q5,
  q7,
  q8,
  q11,
  q12,
} from '../index.ts';

/** 20k events; 1 ms apart in event time (20 s), so the reference's 10 s windows close twice. */
const INPUT: NexmarkOptions = { events: 20_000, seed: 5, interEventDelayUs: 1000 };
/** The reference rate (100 µs apart, 2 s of event time) for the small-window variants. */
const FAST_INPUT: NexmarkOptions = { events: 20_000, seed: 6 };
/** 5 ms apart (100 s of event time): bidders often pause longer than q11's 10 s session gap. */
const SLOW_INPUT: NexmarkOptions = { events: 20_000, seed: 7, interEventDelayUs: 5000 };

function bidsIn(options: NexmarkOptions): Bid[] {
  return [...nexmarkEvents(options)].filter((e): e is Bid => e.kind === 'bid');
}

async function run<Out>(
  options: NexmarkOptions,
  parallelism: number,
  query: (events: DataStream<NexmarkEvent>) => DataStream<Out>,
): Promise<Out[]> {
  const env = StreamExecutionEnvironment.create({ parallelism, runtimeMode: 'STREAMING', clock: new ManualClock(0) });
  const sink = new CollectSink<Out>();
  query(env.fromSource(nexmarkSource(options), nexmarkWatermarks(), 'nexmark')).sinkTo(sink);
  await env.execute('nexmark-test');
  return sink.values;
}

/** Multiset view: order across subtasks and windows is not defined. */
function multiset(rows: readonly unknown[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

function expectedQ5(bids: readonly Bid[], windowMs: number, slideMs: number) {
  const counts = new Map<number, Map<number, number>>(); // window end → auction → bids
  for (const b of bids) {
    const lastStart = b.dateTime - (b.dateTime % slideMs);
    for (let start = lastStart; start > b.dateTime - windowMs; start -= slideMs) {
      const perAuction = counts.get(start + windowMs) ?? new Map<number, number>();
      perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1);
      counts.set(start + windowMs, perAuction);
    }
  }
  const rows = [];
  for (const [windowEnd, perAuction] of counts) {
    const max = Math.max(...perAuction.values());
    for (const [auction, count] of perAuction) {
      if (count === max) rows.push({ windowStart: windowEnd - windowMs, windowEnd, auction, count });
    }
  }
  return rows;
}

function expectedQ7(bids: readonly Bid[], windowMs: number) {
  const byWindow = new Map<number, Bid[]>();
  for (const b of bids) {
    const end = b.dateTime - (b.dateTime % windowMs) + windowMs;
    byWindow.set(end, [...(byWindow.get(end) ?? []), b]);
  }
  const rows = [];
  for (const [windowEnd, inWindow] of byWindow) {
    const max = Math.max(...inWindow.map((b) => b.price));
    for (const b of inWindow) {
      if (b.price === max)
        rows.push({ windowEnd, auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime });
    }
  }
  return rows;
}

function expectedQ3(events: readonly NexmarkEvent[]) {
  const persons = new Map<number, Person>();
  for (const e of events) if (e.kind === 'person') persons.set(e.id, e);
  const rows = [];
  for (const a of events.filter((e): e is Auction => e.kind === 'auction' && e.category === 10)) {
    const p = persons.get(a.seller);
    if (p && ['OR', 'ID', 'CA'].includes(p.state)) rows.push({ name: p.name, city: p.city, state: p.state, id: a.id });
  }
  return rows;
}

/** Final average winning price per category: highest bid within [start, expires] per auction. */
function expectedQ4(events: readonly NexmarkEvent[]) {
  const auctions = new Map<number, Auction>();
  for (const e of events) if (e.kind === 'auction') auctions.set(e.id, e);
  const winning = new Map<number, number>();
  for (const e of events) {
    if (e.kind !== 'bid') continue;
    const a = auctions.get(e.auction) as Auction;
    if (e.dateTime < a.dateTime || e.dateTime > a.expires) continue;
    winning.set(a.id, Math.max(winning.get(a.id) ?? 0, e.price));
  }
  const perCategory = new Map<number, number[]>();
  for (const [id, price] of winning) {
    const category = (auctions.get(id) as Auction).category;
    perCategory.set(category, [...(perCategory.get(category) ?? []), price]);
  }
  return new Map(
    [...perCategory].map(([category, prices]) => [
      category,
      { average: prices.reduce((x, y) => x + y, 0) / prices.length, auctions: prices.length },
    ]),
  );
}

/** Window join: one row per (person, auction by that person) registered/opened in the same window. */
function expectedQ8(events: readonly NexmarkEvent[], windowMs: number) {
  const windowOf = (t: number) => t - (t % windowMs);
  const persons = new Map<number, Person>();
  for (const e of events) if (e.kind === 'person') persons.set(e.id, e);
  const rows = [];
  for (const a of events) {
    if (a.kind !== 'auction') continue;
    const p = persons.get(a.seller) as Person;
    if (windowOf(p.dateTime) === windowOf(a.dateTime))
      rows.push({ id: p.id, name: p.name, reserve: a.reserve, windowStart: windowOf(p.dateTime) });
  }
  return rows;
}

/** Per bidder, bids in time order; a gap of more than `gapMs` starts a new session. */
function expectedQ11(bids: readonly Bid[], gapMs: number) {
  const byBidder = new Map<number, number[]>();
  for (const b of bids) byBidder.set(b.bidder, [...(byBidder.get(b.bidder) ?? []), b.dateTime]);
  const rows = [];
  for (const [bidder, times] of byBidder) {
    times.sort((x, y) => x - y);
    let start = times[0] as number;
    let count = 0;
    let last = start;
    for (const t of times) {
      if (t - last > gapMs) {
        rows.push({ bidder, count, start, end: last + gapMs });
        start = t;
        count = 0;
      }
      count++;
      last = t;
    }
    rows.push({ bidder, count, start, end: last + gapMs });
  }
  return rows;
}

/**
 * Bids per bidder and processing-time window, given the clock time at which each bid was
 * processed; only windows that ended by `lastTime` (the clock when the input ended) fire: in
 * STREAMING mode a window still open at the end of a bounded input is dropped, as in Flink.
 */
function expectedQ12(processed: readonly { bid: Bid; time: number }[], windowMs: number, lastTime: number) {
  const counts = new Map<string, number>();
  for (const { bid, time } of processed) {
    const start = time - (time % windowMs);
    if (start + windowMs - 1 > lastTime) continue;
    const key = `${bid.bidder},${start}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => {
    const [bidder, start] = key.split(',').map(Number) as [number, number];
    return { bidder, count, windowStart: start, windowEnd: start + windowMs };
  });
}

/**
 * Runs q12 on a manual clock: the source emits `recordsPerSecond` of the clock, which the test
 * advances by `stepMs` until the job ends; the generator notes the clock at which each bid left the
 * source (the window operator assigns it in the same synchronous step of the task loop).
 */
async function runQ12(options: NexmarkOptions, parallelism: number, windowMs: number) {
  const clock = new ManualClock(0);
  const env = StreamExecutionEnvironment.create({ parallelism, runtimeMode: 'STREAMING', clock });
  const generate = nexmarkGenerator(options);
  const processed: { bid: Bid; time: number }[] = [];
  const source = new DataGeneratorSource<NexmarkEvent>({
    count: options.events,
    seed: options.seed,
    recordsPerSecond: 1000,
    generate: (n, random) => {
      const e = generate(n, random);
      if (e.kind === 'bid') processed.push({ bid: e, time: clock.now() });
      return e;
    },
  });
  const sink = new CollectSink<unknown>();
  q12(env.fromSource(source, nexmarkWatermarks(), 'nexmark'), { windowMs }).sinkTo(sink);
  let finished = false;
  const result = env.executeAsync('nexmark-q12-test').result.finally(() => {
    finished = true;
  });
  while (!finished) {
    clock.advance(100);
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
  }
  await result;
  return { out: sink.values, processed, lastTime: Math.max(...processed.map((p) => p.time)) };
}

describe.each([1, 2, 3])('Nexmark queries in STREAMING mode at parallelism %i', (parallelism) => {
  it('q0 passes every event through unchanged', async () => {
    const out = await run(INPUT, parallelism, q0);
    expect(out).toHaveLength(20_000);
    expect(multiset(out)).toEqual(multiset([...nexmarkEvents(INPUT)]));
  });

  it('q1 converts every bid price to euros (× 0.908)', async () => {
    const expected = bidsIn(INPUT).map((b) => ({ ...b, price: b.price * 0.908 }));
    const out = await run(INPUT, parallelism, q1);
    expect(out).toHaveLength(20_000 * (46 / 50));
    expect(multiset(out)).toEqual(multiset(expected));
  });

  it('q2 selects the bids on auctions with id % 123 == 0', async () => {
    const expected = bidsIn(INPUT)
      .filter((b) => b.auction % 123 === 0)
      .map((b) => ({ auction: b.auction, price: b.price }));
    expect(expected.length).toBeGreaterThan(50);
    expect(multiset(await run(INPUT, parallelism, q2))).toEqual(multiset(expected));
  });

  it('q3 joins category-10 auctions with their sellers from OR, ID and CA', async () => {
    const expected = expectedQ3([...nexmarkEvents(INPUT)]);
    expect(expected.length).toBeGreaterThan(20);
    expect(multiset(await run(INPUT, parallelism, q3))).toEqual(multiset(expected));
  });

  it.each([INPUT, FAST_INPUT])('q4 averages the winning price per category (input %#)', async (input) => {
    const expected = expectedQ4([...nexmarkEvents(input)]);
    expect(expected.size).toBe(5);
    const out = await run(input, parallelism, q4);
    const last = new Map<number, CategoryAverage>();
    for (const row of out) last.set(row.category, row); // per category, rows arrive in update order
    expect([...last.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [category, { average, auctions }] of expected) {
      expect(last.get(category)?.auctions).toBe(auctions);
      expect(last.get(category)?.average).toBeCloseTo(average, 6);
    }
    expect(out).toHaveLength([...expected.values()].reduce((n, e) => n + e.auctions, 0));
  });

  it('q5 finds the auctions with the most bids per 10 s window sliding by 2 s', async () => {
    const expected = expectedQ5(bidsIn(INPUT), 10_000, 2_000);
    expect(new Set(expected.map((r) => r.windowEnd)).size).toBe(14);
    expect(multiset(await run(INPUT, parallelism, (e) => q5(e)))).toEqual(multiset(expected));
  });

  it('q5 with small windows at the reference event rate (500 ms sliding by 100 ms)', async () => {
    const expected = expectedQ5(bidsIn(FAST_INPUT), 500, 100);
    expect(new Set(expected.map((r) => r.windowEnd)).size).toBe(24);
    const out = await run(FAST_INPUT, parallelism, (e) => q5(e, { windowMs: 500, slideMs: 100 }));
    expect(multiset(out)).toEqual(multiset(expected));
  });

  it('q7 finds the highest bid(s) per 10 s tumbling window', async () => {
    const expected = expectedQ7(bidsIn(INPUT), 10_000);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(multiset(await run(INPUT, parallelism, (e) => q7(e)))).toEqual(multiset(expected));
  });

  it('q7 with 100 ms windows at the reference event rate', async () => {
    const expected = expectedQ7(bidsIn(FAST_INPUT), 100);
    expect(new Set(expected.map((r) => r.windowEnd)).size).toBe(20);
    const out = await run(FAST_INPUT, parallelism, (e) => q7(e, { windowMs: 100 }));
    expect(multiset(out)).toEqual(multiset(expected));
  });

  it('q8 joins persons with the auctions they opened in the 10 s window they registered in', async () => {
    const expected = expectedQ8([...nexmarkEvents(INPUT)], 10_000);
    expect(new Set(expected.map((r) => r.id)).size).toBeGreaterThan(2);
    expect(multiset(await run(INPUT, parallelism, (e) => q8(e)))).toEqual(multiset(expected));
  });

  it('q8 with 200 ms windows at the reference event rate', async () => {
    const expected = expectedQ8([...nexmarkEvents(FAST_INPUT)], 200);
    expect(new Set(expected.map((r) => r.windowStart)).size).toBe(10);
    const out = await run(FAST_INPUT, parallelism, (e) => q8(e, { windowMs: 200 }));
    expect(multiset(out)).toEqual(multiset(expected));
  });

  it('q11 counts the bids of every bidder per session with a 10 s gap', async () => {
    const expected = expectedQ11(bidsIn(SLOW_INPUT), 10_000);
    expect(expected.length).toBeGreaterThan(1.5 * new Set(expected.map((r) => r.bidder)).size);
    expect(multiset(await run(SLOW_INPUT, parallelism, (e) => q11(e)))).toEqual(multiset(expected));
  });

  it('q11 with a 200 ms gap (many sessions per bidder)', async () => {
    const expected = expectedQ11(bidsIn(INPUT), 200);
    expect(expected.length).toBeGreaterThan(3 * new Set(expected.map((r) => r.bidder)).size);
    const out = await run(INPUT, parallelism, (e) => q11(e, { gapMs: 200 }));
    expect(multiset(out)).toEqual(multiset(expected));
  });

  it('q12 counts the bids of every bidder per 10 s window of the injected processing-time clock', async () => {
    const { out, processed, lastTime } = await runQ12(INPUT, parallelism, 10_000);
    const expected = expectedQ12(processed, 10_000, lastTime);
    expect(processed).toHaveLength(20_000 * (46 / 50));
    expect(new Set(expected.map((r) => r.windowStart))).toEqual(new Set([0, 10_000]));
    expect(multiset(out)).toEqual(multiset(expected));
  });
});

describe('Nexmark query options', () => {
  it('q5 refuses a slide that does not divide the window (its panes would straddle windows)', () => {
    const env = StreamExecutionEnvironment.create();
    const events = env.fromSource(nexmarkSource({ events: 10 }), nexmarkWatermarks(), 'nexmark');
    expect(() => q5(events, { windowMs: 1_000, slideMs: 300 })).toThrow(/slideMs to divide windowMs/);
  });
});
