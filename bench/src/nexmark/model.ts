/**
 * The Nexmark data model (Person, Auction, Bid), after the model of the Nexmark benchmark as used
 * by Apache Beam's and Flink's Nexmark suites. Prices are in cents; times are epoch milliseconds.
 * Each record carries its `kind` so a stream of {@link NexmarkEvent}s can be narrowed without a
 * wrapper object.
 */

/**
 * A new user of the auction site.
 *
 * @example
 * ```ts
 * const sellersInOregon = events.filter('or-persons', (e) => e.kind === 'person' && e.state === 'OR');
 * ```
 */
export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  /** Padding that brings the serialized size to the model's average (about 200 bytes). */
  readonly extra: string;
}

/**
 * A new auction, open from `dateTime` until `expires`.
 *
 * @example
 * ```ts
 * const books = events.filter('category-10', (e) => e.kind === 'auction' && e.category === 10);
 * ```
 */
export interface Auction {
  readonly kind: 'auction';
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  /** Cents. */
  readonly initialBid: number;
  /** Cents; always above `initialBid`. */
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  /** Id of an existing {@link Person}. */
  readonly seller: number;
  readonly category: number;
  /** Padding that brings the serialized size to the model's average (about 500 bytes). */
  readonly extra: string;
}

/**
 * A bid on an existing auction.
 *
 * @example
 * ```ts
 * const bids = events.filter('bids', (e) => e.kind === 'bid');
 * ```
 */
export interface Bid {
  readonly kind: 'bid';
  /** Id of an existing {@link Auction}. */
  readonly auction: number;
  /** Id of an existing {@link Person}. */
  readonly bidder: number;
  /** Cents (US dollars). */
  readonly price: number;
  readonly dateTime: number;
  /** Padding that brings the serialized size to the model's average (about 100 bytes). */
  readonly extra: string;
}

/**
 * One Nexmark event: a person, an auction or a bid.
 *
 * @example
 * ```ts
 * function describe(e: NexmarkEvent): string {
 *   return e.kind === 'bid' ? `bid ${e.price} on ${e.auction}` : `${e.kind} ${e.id}`;
 * }
 * ```
 */
export type NexmarkEvent = Person | Auction | Bid;

/**
 * Narrows an event to a bid (usable as a filter predicate).
 *
 * @example
 * ```ts
 * const bidCount = [...nexmarkEvents({ events: 1000 })].filter(isBid).length; // 920
 * ```
 */
export function isBid(e: NexmarkEvent): e is Bid {
  return e.kind === 'bid';
}
