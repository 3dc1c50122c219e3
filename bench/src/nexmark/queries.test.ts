import { CollectSink, type DataStream, ManualClock, StreamExecutionEnvironment } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  type Auction,
  type Bid,
  type CategoryAverage,
  type NexmarkEvent,
  type NexmarkOptions,
  type Person,
  nexmarkEvents,
  nexmarkSource,
  nexmarkWatermarks,
  q0,
  q1,
  q2,
  q3,
  q4,
  q5,
  q7,
} from '../index.ts';

/** 20k events; 1 ms apart in event time (20 s), so the reference's 10 s windows close twice. */
const INPUT: NexmarkOptions = { events: 20_000, seed: 5, interEventDelayUs: 1000 };
/** The reference rate (100 µs apart, 2 s of event time) for the small-window variants. */
const FAST_INPUT: NexmarkOptions = { events: 20_000, seed: 6 };

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
});
