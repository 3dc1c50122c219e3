import type { DataStream } from '@sluice/core';
import type { Bid, NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';

/**
 * Dollars to euros, as in Flink's Nexmark q1 (`0.908 * price`; Beam's q1 uses `price * 89 / 100`).
 *
 * @example
 * ```ts
 * const euroCents = bid.price * DOLLAR_TO_EURO;
 * ```
 */
export const DOLLAR_TO_EURO = 0.908;

/**
 * Nexmark q1, currency conversion: every bid with its price converted from dollars to euros
 * (`price * 0.908`, still in cents, not rounded).
 *
 * @example
 * ```ts
 * q1(events).sinkTo(sink); // { kind: 'bid', auction, bidder, price: 908, ... } for a $10.00 bid
 * ```
 */
export function q1(events: DataStream<NexmarkEvent>): DataStream<Bid> {
  return bidsOf(events, 'q1-bids').map('q1-to-euro', (b) => ({
    kind: 'bid',
    auction: b.auction,
    bidder: b.bidder,
    price: b.price * DOLLAR_TO_EURO,
    dateTime: b.dateTime,
    extra: b.extra,
  }));
}
