import type { DataStream } from '@sluice/core';
import type { Bid, NexmarkEvent } from '../model.ts';

/**
 * The bids of a Nexmark stream (a filter on `kind`; the cast only narrows the element type).
 *
 * @example
 * ```ts
 * const prices = bidsOf(events).map('price', (b) => b.price);
 * ```
 */
export function bidsOf(events: DataStream<NexmarkEvent>, name = 'bids'): DataStream<Bid> {
  return events.filter(name, (e) => e.kind === 'bid') as unknown as DataStream<Bid>;
}
