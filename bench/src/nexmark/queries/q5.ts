import {
  type AggregateFunction,
  type DataStream,
  type ProcessWindowFunction,
  SlidingEventTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
} from '@sluice/core';
import { BenchError } from '../../errors.ts';
import type { Bid, NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';

/** Options of {@link q5}. */
export interface Q5Options {
  /** Window size, ms (default 10,000, as Flink's Nexmark q5). */
  readonly windowMs?: number;
  /** Window slide, ms (default 2,000, as Flink's Nexmark q5); must divide `windowMs`. */
  readonly slideMs?: number;
}

/** One row of {@link q5}: an auction with the most bids in the window [windowStart, windowEnd). */
export interface HotItem {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly auction: number;
  readonly count: number;
}

interface AuctionCount {
  readonly windowEnd: number;
  readonly auction: number;
  readonly count: number;
}

interface Leaders {
  count: number;
  auctions: number[];
}

const countBids: AggregateFunction<Bid, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, n) => n + 1,
  getResult: (n) => n,
};

interface PaneCount {
  readonly auction: number;
  readonly count: number;
}

const sumPanes: AggregateFunction<PaneCount, number, number> = {
  createAccumulator: () => 0,
  add: (pane, n) => n + pane.count,
  getResult: (n) => n,
};

const withAuction: ProcessWindowFunction<number, PaneCount, number, TimeWindow> = {
  process(auction, _ctx, counts, out) {
    for (const count of counts) out.collect({ auction, count });
  },
};

const withAuctionAndWindow: ProcessWindowFunction<number, AuctionCount, number, TimeWindow> = {
  process(auction, ctx, counts, out) {
    for (const count of counts) out.collect({ windowEnd: ctx.window.end, auction, count });
  },
};

const keepLeaders: AggregateFunction<AuctionCount, Leaders, Leaders> = {
  createAccumulator: () => ({ count: 0, auctions: [] }),
  add(c, acc) {
    if (c.count > acc.count) {
      acc.count = c.count;
      acc.auctions = [c.auction];
    } else if (c.count === acc.count) {
      acc.auctions.push(c.auction);
    }
    return acc;
  },
  getResult: (acc) => acc,
};

/**
 * Nexmark q5, hot items: for every sliding window, the auction(s) with the most bids (all of them
 * on a tie). Three stages: bids counted per auction in tumbling panes of one slide; the panes
 * summed per auction and sliding window (a pane's count carries the time `paneEnd - 1`, so it
 * lands in exactly the `windowMs / slideMs` sliding windows that contain the pane); then the
 * leaders picked per window (keyed by window end; a count carries the time `windowEnd - 1`, so a
 * tumbling window of one slide gathers exactly one sliding window's counts). Counting panes
 * first is the window slicing Flink's SQL runtime applies to the reference's HOP window: each bid
 * updates one pane instead of `windowMs / slideMs` windows.
 *
 * @example
 * ```ts
 * q5(events, { windowMs: 10_000, slideMs: 2_000 }).sinkTo(sink); // { windowStart, windowEnd, auction, count }
 * ```
 */
export function q5(events: DataStream<NexmarkEvent>, options: Q5Options = {}): DataStream<HotItem> {
  const windowMs = options.windowMs ?? 10_000;
  const slideMs = options.slideMs ?? 2_000;
  if (!(windowMs % slideMs === 0)) {
    throw new BenchError('INVALID_ARGUMENT', `q5 needs slideMs to divide windowMs; got ${slideMs} and ${windowMs}.`, {
      domain: 'user',
    });
  }
  const leadersOut: ProcessWindowFunction<Leaders, HotItem, number, TimeWindow> = {
    process(windowEnd, _ctx, results, out) {
      for (const { count, auctions } of results) {
        for (const auction of auctions) out.collect({ windowStart: windowEnd - windowMs, windowEnd, auction, count });
      }
    },
  };
  return bidsOf(events, 'q5-bids')
    .keyBy((b) => b.auction)
    .window(TumblingEventTimeWindows.of(slideMs))
    .aggregate('q5-bids-per-auction-pane', countBids, withAuction)
    .keyBy((p) => p.auction)
    .window(SlidingEventTimeWindows.of(windowMs, slideMs))
    .aggregate('q5-bids-per-auction', sumPanes, withAuctionAndWindow)
    .keyBy((c) => c.windowEnd)
    .window(TumblingEventTimeWindows.of(slideMs))
    .aggregate('q5-hottest-per-window', keepLeaders, leadersOut);
}
