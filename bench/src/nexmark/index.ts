/** Nexmark: the event generator, the queries, and the benchmark runner. */
export {
  AUCTION_PROPORTION,
  BID_PROPORTION,
  DEFAULT_NEXMARK_CONFIG,
  type NexmarkConfig,
  PERSON_PROPORTION,
  TOTAL_PROPORTION,
} from './config.ts';
export {
  nexmarkEvents,
  nexmarkGenerator,
  type NexmarkOptions,
  nexmarkSource,
  nexmarkTimestamp,
  nexmarkWatermarks,
} from './generator.ts';
export { type Auction, type Bid, isBid, type NexmarkEvent, type Person } from './model.ts';
export { NEXMARK_QUERIES, type NexmarkQuery } from './queries.ts';
export { bidsOf } from './queries/bids.ts';
export { q0 } from './queries/q0.ts';
export { DOLLAR_TO_EURO, q1 } from './queries/q1.ts';
export { AUCTION_SKIP, type AuctionPrice, q2 } from './queries/q2.ts';
export { type LocalItem, Q3_CATEGORY, Q3_STATES, q3 } from './queries/q3.ts';
export { type CategoryAverage, q4 } from './queries/q4.ts';
export { type HotItem, type Q5Options, q5 } from './queries/q5.ts';
export { type HighestBid, type Q7Options, q7 } from './queries/q7.ts';
export { type NewUser, type Q8Options, q8 } from './queries/q8.ts';
export { type Q11Options, q11, type UserSession } from './queries/q11.ts';
export { type BidsPerWindow, type Q12Options, q12 } from './queries/q12.ts';
export type { CheckpointStats } from './checkpoint-stats.ts';
export { type NexmarkRunOptions, type NexmarkRunResult, runNexmark } from './run-nexmark.ts';
