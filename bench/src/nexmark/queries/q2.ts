import type { DataStream } from '@sluice/core';
import type { NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';

/**
 * q2's selection: auctions whose id is a multiple of this (the reference's `auctionSkip`, 123).
 *
 * @example
 * ```ts
 * const selected = bid.auction % AUCTION_SKIP === 0;
 * ```
 */
export const AUCTION_SKIP = 123;

/** One row of {@link q2}: the reference's (auction, price). */
export interface AuctionPrice {
  readonly auction: number;
  readonly price: number;
}

/**
 * Nexmark q2, selection: the bids on auctions with `id % 123 == 0`, as (auction, price).
 *
 * @example
 * ```ts
 * q2(events).sinkTo(sink); // { auction: 1107, price: 2540 }
 * ```
 */
export function q2(events: DataStream<NexmarkEvent>): DataStream<AuctionPrice> {
  return bidsOf(events, 'q2-bids')
    .filter('q2-selected-auctions', (b) => b.auction % AUCTION_SKIP === 0)
    .map('q2-auction-price', (b) => ({ auction: b.auction, price: b.price }));
}
