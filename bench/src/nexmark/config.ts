/**
 * Generator settings and their defaults. The defaults are those of the reference generator
 * (Apache Beam's `NexmarkConfiguration` / `GeneratorConfig`, which Flink's Nexmark suite reuses):
 * - proportions person:auction:bid = 1:3:46 (`personProportion`, `auctionProportion`, `bidProportion`);
 * - average sizes 200 / 500 / 100 bytes (`avgPersonByteSize`, `avgAuctionByteSize`, `avgBidByteSize`);
 * - `hotAuctionRatio` 2, `hotSellersRatio` 4, `hotBiddersRatio` 4: a bid goes to a hot auction
 *   unless `nextInt(hotAuctionRatio) == 0`, i.e. with probability 1 - 1/2; an auction is by a hot
 *   seller with probability 1 - 1/4; a bid is by a hot bidder with probability 1 - 1/4. "Hot" is
 *   the first id of the current block of 100 (`HOT_AUCTION_RATIO`, `HOT_SELLER_RATIO`,
 *   `HOT_BIDDER_RATIO` = 100 in the reference);
 * - `numActivePeople` 1000, `numInFlightAuctions` 100;
 * - `firstEventRate` 10,000 events/s with one generator, i.e. an inter-event delay of 100 µs;
 * - base time 2015-07-15T00:00:00Z, first person id 1000, first auction id 1000, 5 categories from 10.
 */
export interface NexmarkConfig {
  /** Event time between consecutive events, in microseconds (default 100: 10,000 events/s). */
  readonly interEventDelayUs: number;
  /** Event time of event 0, epoch ms (default 2015-07-15T00:00:00Z as in the reference). */
  readonly baseTime: number;
  /** Active people bidders and sellers are drawn from (default 1000). */
  readonly numActivePeople: number;
  /** Recent auctions bids are drawn from (default 100). */
  readonly numInFlightAuctions: number;
  readonly hotAuctionRatio: number;
  readonly hotSellersRatio: number;
  readonly hotBiddersRatio: number;
  readonly avgPersonByteSize: number;
  readonly avgAuctionByteSize: number;
  readonly avgBidByteSize: number;
}

/**
 * The reference defaults (see {@link NexmarkConfig}).
 *
 * @example
 * ```ts
 * const slower = { ...DEFAULT_NEXMARK_CONFIG, interEventDelayUs: 1000 }; // 1,000 events/s of event time
 * ```
 */
export const DEFAULT_NEXMARK_CONFIG: NexmarkConfig = {
  interEventDelayUs: 100,
  baseTime: Date.UTC(2015, 6, 15),
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

/**
 * Persons, auctions and bids per cycle of {@link TOTAL_PROPORTION} events (reference: 1:3:46).
 *
 * @example
 * ```ts
 * const persons = (events / TOTAL_PROPORTION) * PERSON_PROPORTION; // for a multiple of 50 events
 * ```
 */
export const PERSON_PROPORTION = 1;
/** @see {@link PERSON_PROPORTION} */
export const AUCTION_PROPORTION = 3;
/** @see {@link PERSON_PROPORTION} */
export const BID_PROPORTION = 46;
/** Events per cycle (50); event `n` is a person, auction or bid by `n % 50`. @see {@link PERSON_PROPORTION} */
export const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

/** Reference constants: ids start at 1000; hot ids are the first of each block of 100. */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
export const HOT_BLOCK = 100;
