import type { AggregateFunction } from '@sluice/core';
import type { Bid } from '../model.ts';

/**
 * Counts the bids of a window (the incremental half of q11's and q12's window aggregations);
 * `merge` adds the counts of session windows that merge.
 */
export const countBids: AggregateFunction<Bid, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};
