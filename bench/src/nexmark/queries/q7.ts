import {
  type AggregateFunction,
  type DataStream,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingEventTimeWindows,
} from '@sluice/core';
import type { Bid, NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';

/** Options of {@link q7}. */
export interface Q7Options {
  /** Tumbling window size, ms (default 10,000, as the reference). */
  readonly windowMs?: number;
}

/** One row of {@link q7}: a bid with the highest price of the window ending at `windowEnd`. */
export interface HighestBid {
  readonly windowEnd: number;
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
}

interface Highest {
  price: number;
  bids: Bid[];
}

interface PartialHighest {
  readonly windowEnd: number;
  readonly price: number;
  readonly bids: readonly Bid[];
}

const highestBids: AggregateFunction<Bid, Highest, Highest> = {
  createAccumulator: () => ({ price: -1, bids: [] }),
  add(b, acc) {
    if (b.price > acc.price) {
      acc.price = b.price;
      acc.bids = [b];
    } else if (b.price === acc.price) {
      acc.bids.push(b);
    }
    return acc;
  },
  getResult: (acc) => acc,
};

const withWindowEnd: ProcessWindowFunction<Highest, PartialHighest, number, TimeWindow> = {
  process(_auction, ctx, results, out) {
    for (const h of results) out.collect({ windowEnd: ctx.window.end, price: h.price, bids: h.bids });
  },
};

const highestOfPartials: AggregateFunction<PartialHighest, Highest, Highest> = {
  createAccumulator: () => ({ price: -1, bids: [] }),
  add(p, acc) {
    if (p.price > acc.price) {
      acc.price = p.price;
      acc.bids = [...p.bids];
    } else if (p.price === acc.price) {
      acc.bids.push(...p.bids);
    }
    return acc;
  },
  getResult: (acc) => acc,
};

const toRows: ProcessWindowFunction<Highest, HighestBid, number, TimeWindow> = {
  process(windowEnd, _ctx, results, out) {
    for (const h of results) {
      for (const b of h.bids) {
        out.collect({ windowEnd, auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime });
      }
    }
  },
};

/**
 * Nexmark q7, highest bid: for every tumbling window, the bid(s) with the highest price (all of
 * them on a tie, as the reference's join on `price = max(price)`). Two stages: the highest bids
 * per auction and window (keyed by auction, so the work spreads over subtasks), then the highest
 * of those per window (keyed by window end).
 *
 * @example
 * ```ts
 * q7(events, { windowMs: 10_000 }).sinkTo(sink); // { windowEnd, auction, bidder, price, dateTime }
 * ```
 */
export function q7(events: DataStream<NexmarkEvent>, options: Q7Options = {}): DataStream<HighestBid> {
  const windowMs = options.windowMs ?? 10_000;
  return bidsOf(events, 'q7-bids')
    .keyBy((b) => b.auction)
    .window(TumblingEventTimeWindows.of(windowMs))
    .aggregate('q7-highest-per-auction', highestBids, withWindowEnd)
    .keyBy((p) => p.windowEnd)
    .window(TumblingEventTimeWindows.of(windowMs))
    .aggregate('q7-highest-per-window', highestOfPartials, toRows);
}
