import { CollectSink, ManualClock, StreamExecutionEnvironment } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import {
  type Auction,
  type Bid,
  DEFAULT_NEXMARK_CONFIG,
  type NexmarkEvent,
  nexmarkEvents,
  nexmarkSource,
  nexmarkWatermarks,
  type Person,
} from '../index.ts';

const EVENTS = 20_000;
const all = [...nexmarkEvents({ events: EVENTS, seed: 3 })];
const persons = all.filter((e): e is Person => e.kind === 'person');
const auctions = all.filter((e): e is Auction => e.kind === 'auction');
const bids = all.filter((e): e is Bid => e.kind === 'bid');

function sorted(events: readonly unknown[]): string[] {
  return events.map((e) => JSON.stringify(e)).sort();
}

describe('Nexmark generator', () => {
  it('emits persons, auctions and bids 1:3:46 in every block of 50 events', () => {
    for (let block = 0; block < EVENTS / 50; block++) {
      const kinds = all.slice(block * 50, block * 50 + 50).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'person')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'auction')).toHaveLength(3);
      expect(kinds.filter((k) => k === 'bid')).toHaveLength(46);
    }
    expect(all.slice(0, 5).map((e) => e.kind)).toEqual(['person', 'auction', 'auction', 'auction', 'bid']);
  });

  it('is deterministic: event n depends on (seed, n) only', () => {
    expect([...nexmarkEvents({ events: 2000, seed: 3 })]).toEqual(all.slice(0, 2000));
    const otherSeed = [...nexmarkEvents({ events: 2000, seed: 4 })];
    expect(otherSeed.map((e) => e.kind)).toEqual(all.slice(0, 2000).map((e) => e.kind));
    expect(otherSeed).not.toEqual(all.slice(0, 2000));
  });

  it('advances event time by the inter-event delay (default 100 µs), from 2015-07-15', () => {
    expect(all[0]?.dateTime).toBe(Date.UTC(2015, 6, 15));
    all.forEach((e, n) => {
      expect(e.dateTime).toBe(DEFAULT_NEXMARK_CONFIG.baseTime + Math.floor(n / 10));
    });
    const slow = [...nexmarkEvents({ events: 100, interEventDelayUs: 1000, baseTime: 0 })];
    expect(slow.map((e) => e.dateTime)).toEqual(slow.map((_, n) => n));
  });

  it('references only persons and auctions generated before', () => {
    const personIds = new Set<number>();
    const auctionIds = new Set<number>();
    for (const e of all) {
      if (e.kind === 'person') {
        expect(personIds.has(e.id)).toBe(false);
        personIds.add(e.id);
      } else if (e.kind === 'auction') {
        expect(auctionIds.has(e.id)).toBe(false);
        expect(personIds.has(e.seller)).toBe(true);
        auctionIds.add(e.id);
      } else {
        expect(auctionIds.has(e.auction)).toBe(true);
        expect(personIds.has(e.bidder)).toBe(true);
      }
    }
    expect(personIds.size).toBe(EVENTS / 50);
    expect(Math.min(...personIds)).toBe(1000);
    expect(Math.min(...auctionIds)).toBe(1000);
  });

  it('gives auctions a future expiry, a reserve above the initial bid and one of 5 categories', () => {
    for (const a of auctions) {
      expect(a.expires).toBeGreaterThan(a.dateTime);
      expect(a.reserve).toBeGreaterThan(a.initialBid);
      expect(a.category).toBeGreaterThanOrEqual(10);
      expect(a.category).toBeLessThan(15);
    }
    expect(new Set(auctions.map((a) => a.category)).size).toBe(5);
    expect(new Set(persons.map((p) => p.state))).toEqual(new Set(['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']));
    for (const p of persons) expect(p.creditCard).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    for (const b of bids) expect(b.price).toBeGreaterThanOrEqual(100);
  });

  it('sends about 1 bid in 2 to a hot auction, 3 auctions in 4 to a hot seller, 3 bids in 4 to a hot bidder', () => {
    const share = <T>(xs: readonly T[], p: (x: T) => boolean) => xs.filter(p).length / xs.length;
    // Hot = first auction / person of a block of 100 (bidders: the second person). A non-hot pick
    // can land on a hot id too, so shares sit slightly above 1/2 and 3/4.
    expect(share(bids, (b) => (b.auction - 1000) % 100 === 0)).toBeGreaterThan(0.48);
    expect(share(bids, (b) => (b.auction - 1000) % 100 === 0)).toBeLessThan(0.56);
    expect(share(auctions, (a) => (a.seller - 1000) % 100 === 0)).toBeGreaterThan(0.72);
    expect(share(auctions, (a) => (a.seller - 1000) % 100 === 0)).toBeLessThan(0.8);
    const hotBidder = share(bids, (b) => (b.bidder - 1000) % 100 === 1);
    expect(hotBidder).toBeGreaterThan(0.72);
    expect(hotBidder).toBeLessThan(0.8);
  });

  it('averages about 200 / 500 / 100 bytes of JSON per person / auction / bid (±25%)', () => {
    const average = (xs: readonly NexmarkEvent[]) =>
      xs.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0) / xs.length;
    expect(average(persons)).toBeGreaterThan(150);
    expect(average(persons)).toBeLessThan(250);
    expect(average(auctions)).toBeGreaterThan(375);
    expect(average(auctions)).toBeLessThan(625);
    expect(average(bids)).toBeGreaterThan(75);
    expect(average(bids)).toBeLessThan(125);
  });

  it('pads records to configured average sizes, large ones included', () => {
    const big = [...nexmarkEvents({ events: 5000, avgBidByteSize: 300, avgAuctionByteSize: 20_000 })];
    const average = (kind: NexmarkEvent['kind']) => {
      const xs = big.filter((e) => e.kind === kind);
      return xs.reduce((sum, e) => sum + JSON.stringify(e).length, 0) / xs.length;
    };
    expect(average('bid')).toBeGreaterThan(285);
    expect(average('bid')).toBeLessThan(315);
    expect(average('auction')).toBeGreaterThan(19_000);
    expect(average('auction')).toBeLessThan(21_000);
    for (const e of big) if (e.kind === 'auction') expect(e.extra).toMatch(/^[a-z ]+$/);
  });

  it.each([1, 2, 3])('as a source at parallelism %i, emits the same multiset as the iterator', async (parallelism) => {
    const env = StreamExecutionEnvironment.create({ parallelism, clock: new ManualClock(0) });
    const sink = new CollectSink<NexmarkEvent>();
    env.fromSource(nexmarkSource({ events: EVENTS, seed: 3 }), nexmarkWatermarks(), 'nexmark').sinkTo(sink);
    await env.execute('nexmark-source');
    expect(sorted(sink.values)).toEqual(sorted(all));
  });
});
