import {
  type AggregateFunction,
  type Collector,
  type DataStream,
  type KeyedCoProcessFunction,
  type KeyedProcessContext,
  type KeyedRuntimeContext,
  type ListState,
  ListStateDescriptor,
  type OnTimerContext,
  type ValueState,
  ValueStateDescriptor,
} from '@sluice/core';
import type { Auction, Bid, NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';

/** One row of {@link q4}: the running average winning price of a category (cents). */
export interface CategoryAverage {
  readonly category: number;
  /** Average of the closed auctions' winning prices so far. */
  readonly average: number;
  /** Closed auctions (with at least one valid bid) averaged so far. */
  readonly auctions: number;
}

/** A closed auction and its winning (highest valid) price. */
interface WinningPrice {
  readonly category: number;
  readonly price: number;
}

interface OpenAuction {
  readonly category: number;
  readonly dateTime: number;
  readonly expires: number;
}

interface PendingBid {
  readonly price: number;
  readonly dateTime: number;
}

/**
 * Keyed by auction id: the highest price among the auction's bids with `dateTime` within
 * [auction.dateTime, auction.expires], emitted when the watermark passes the expiry. A bid that
 * arrives before its auction waits; once the watermark passes the bid's time its auction has
 * arrived if it ever will (auctions precede their bids), so a bid still waiting then belongs to an
 * auction already closed and is dropped.
 */
class WinningBids implements KeyedCoProcessFunction<number, Auction, Bid, WinningPrice> {
  private auction!: ValueState<OpenAuction>;
  private highest!: ValueState<number>;
  private pending!: ListState<PendingBid>;

  open(ctx: KeyedRuntimeContext): void {
    this.auction = ctx.getState(new ValueStateDescriptor<OpenAuction>('auction'));
    this.highest = ctx.getState(new ValueStateDescriptor<number>('highest-price'));
    this.pending = ctx.getListState(new ListStateDescriptor<PendingBid>('pending-bids'));
  }

  private offer(a: OpenAuction, price: number, dateTime: number): void {
    if (dateTime < a.dateTime || dateTime > a.expires) return;
    const highest = this.highest.value();
    if (highest === undefined || price > highest) this.highest.update(price);
  }

  processElement1(a: Auction, ctx: KeyedProcessContext<number>): void {
    const open = { category: a.category, dateTime: a.dateTime, expires: a.expires };
    this.auction.update(open);
    for (const b of this.pending.get()) this.offer(open, b.price, b.dateTime);
    this.pending.clear();
    ctx.timerService().registerEventTimeTimer(a.expires);
  }

  processElement2(b: Bid, ctx: KeyedProcessContext<number>): void {
    const open = this.auction.value();
    if (open !== undefined) {
      this.offer(open, b.price, b.dateTime);
      return;
    }
    this.pending.add({ price: b.price, dateTime: b.dateTime });
    ctx.timerService().registerEventTimeTimer(b.dateTime);
  }

  onTimer(timestamp: number, _ctx: OnTimerContext<number>, out: Collector<WinningPrice>): void {
    const open = this.auction.value();
    if (open === undefined) {
      this.pending.clear(); // bids on an auction closed before they arrived
      return;
    }
    if (timestamp < open.expires) return;
    const highest = this.highest.value();
    if (highest !== undefined) out.collect({ category: open.category, price: highest });
    this.auction.clear();
    this.highest.clear();
    this.pending.clear();
  }
}

const runningAverage: AggregateFunction<WinningPrice, { category: number; sum: number; n: number }, CategoryAverage> = {
  createAccumulator: () => ({ category: 0, sum: 0, n: 0 }),
  add: (w, acc) => ({ category: w.category, sum: acc.sum + w.price, n: acc.n + 1 }),
  getResult: (acc) => ({ category: acc.category, average: acc.sum / acc.n, auctions: acc.n }),
};

/**
 * Nexmark q4, average price per category: the winning price of an auction is its highest bid
 * placed between its start and its expiry (as Flink's Nexmark q4; no reserve check); each
 * category's running average of winning prices is updated as auctions close. An auction closes
 * when the watermark passes its expiry (or at the end of a bounded input), so the last row per
 * category is the average over all its auctions with at least one valid bid.
 *
 * @example
 * ```ts
 * q4(events).sinkTo(sink); // { category: 12, average: 3_418_117.5, auctions: 40 }, ...
 * ```
 */
export function q4(events: DataStream<NexmarkEvent>): DataStream<CategoryAverage> {
  const auctions = events.filter('q4-auctions', (e) => e.kind === 'auction') as unknown as DataStream<Auction>;
  return auctions
    .connect(bidsOf(events, 'q4-bids'))
    .keyBy(
      (a) => a.id,
      (b) => b.auction,
    )
    .process('q4-winning-bids', new WinningBids())
    .keyBy((w) => w.category)
    .aggregate('q4-average-per-category', runningAverage);
}
