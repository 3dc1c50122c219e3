import { DataGeneratorSource, SeededRandom, WatermarkStrategy } from '@sluice/core';
import {
  AUCTION_PROPORTION,
  DEFAULT_NEXMARK_CONFIG,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  HOT_BLOCK,
  NUM_CATEGORIES,
  type NexmarkConfig,
  PERSON_PROPORTION,
  TOTAL_PROPORTION,
} from './config.ts';
import type { Auction, Bid, NexmarkEvent, Person } from './model.ts';

/*
 * Event n is a pure function of (seed, n): its kind comes from n's place in the 50-event cycle
 * (event 0 a person, 1-3 auctions, 4-49 bids), its ids from the counts of persons and auctions
 * before it, its time from n times the inter-event delay, and everything else from a SeededRandom
 * reset to (seed, n). This follows the reference generator, with two deliberate differences:
 * - no PERSON_ID_LEAD / AUCTION_ID_LEAD: the reference lets a new id run up to 10 ahead of the last
 *   generated person or auction; here auctions and bids only reference persons and auctions that
 *   already exist, so joins never wait for a record that was never generated;
 * - the hot bidder id (first of the block of 100, plus one) is capped at the last person.
 * As in the reference, a bid may arrive after its auction has expired (queries that care filter).
 * Sizes are the UTF-8 length of the record's JSON (what a Kafka topic would hold); the reference
 * counts 8 bytes per number with its own coder. Strings are ASCII, so bytes = characters.
 */

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = [
  'phoenix',
  'los angeles',
  'san francisco',
  'boise',
  'portland',
  'bend',
  'redmond',
  'seattle',
  'kent',
  'cheyenne',
];
const FIRST_NAMES = ['peter', 'paul', 'luke', 'john', 'saul', 'vicky', 'kate', 'julie', 'sarah', 'deiter', 'walter'];
const LAST_NAMES = ['shultz', 'abrams', 'spencer', 'white', 'bartels', 'walton', 'smith', 'jones', 'noris'];

/** JSON length of a record with empty strings and one-digit numbers, minus those digits. */
const PERSON_JSON_OVERHEAD =
  JSON.stringify({
    kind: 'person',
    id: 0,
    name: '',
    emailAddress: '',
    creditCard: '',
    city: '',
    state: '',
    dateTime: 0,
    extra: '',
  } satisfies Person).length - 2;
const AUCTION_JSON_OVERHEAD =
  JSON.stringify({
    kind: 'auction',
    id: 0,
    itemName: '',
    description: '',
    initialBid: 0,
    reserve: 0,
    dateTime: 0,
    expires: 0,
    seller: 0,
    category: 0,
    extra: '',
  } satisfies Auction).length - 7;
const BID_JSON_OVERHEAD =
  JSON.stringify({ kind: 'bid', auction: 0, bidder: 0, price: 0, dateTime: 0, extra: '' } satisfies Bid).length - 4;

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/**
 * Random text (lower-case letters, about one space in 13 characters, as the reference's strings),
 * made once from a fixed seed. A generated string is a random slice of it: one random draw per
 * string instead of two per character, which keeps the generator from dominating the cheap queries
 * (the text differs from the reference's, its distribution does not).
 */
const POOL_SIZE = 1 << 16;
const MAX_SLICE = 4096;
const POOL = (() => {
  const random = new SeededRandom();
  random.reset(0x5eed, 0);
  const chars: string[] = [];
  for (let i = 0; i < POOL_SIZE + MAX_SLICE; i++) {
    chars.push(random.nextInt(13) === 0 ? ' ' : String.fromCharCode(97 + random.nextInt(26)));
  }
  return chars.join('');
})();

/** A string of exactly `length` characters of random text. */
function exactString(random: SeededRandom, length: number): string {
  if (length <= MAX_SLICE) {
    const from = random.nextInt(POOL_SIZE);
    return POOL.slice(from, from + length);
  }
  let s = '';
  while (s.length < length) s += exactString(random, Math.min(MAX_SLICE, length - s.length));
  return s;
}

/** A string of 3 to `maxLength - 1` characters, as the reference's `nextString`. */
function randomString(random: SeededRandom, maxLength: number): string {
  return exactString(random, 3 + random.nextInt(maxLength - 3));
}

/** Padding so the record's size averages `average`: uniform within ±20% of the missing bytes. */
function extra(random: SeededRandom, currentSize: number, average: number): string {
  if (currentSize > average) return '';
  const missing = average - currentSize;
  const delta = Math.round(missing * 0.2);
  return exactString(random, missing - delta + random.nextInt(2 * delta + 1));
}

/** Prices in cents, log-uniform from $1 to $1M (the reference's `nextPrice`). */
function price(random: SeededRandom): number {
  return Math.round(10 ** (random.next() * 6) * 100);
}

/**
 * Event time of event `n`, epoch ms: `baseTime + floor(n * interEventDelayUs / 1000)`.
 *
 * @example
 * ```ts
 * nexmarkTimestamp(25_000) - DEFAULT_NEXMARK_CONFIG.baseTime; // 2500: 10,000 events per second
 * ```
 */
export function nexmarkTimestamp(n: number, config: NexmarkConfig = DEFAULT_NEXMARK_CONFIG): number {
  return config.baseTime + Math.floor((n * config.interEventDelayUs) / 1000);
}

/** 0-based id of the last person generated at or before event `n`. */
function lastPersonId0(n: number): number {
  const epoch = Math.floor(n / TOTAL_PROPORTION);
  const offset = Math.min(n % TOTAL_PROPORTION, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}

/** 0-based id of the last auction generated at or before event `n` (-1 before the first). */
function lastAuctionId0(n: number): number {
  let epoch = Math.floor(n / TOTAL_PROPORTION);
  let offset = n % TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** One of the `numActivePeople` most recent persons. */
function activePersonId0(n: number, random: SeededRandom, config: NexmarkConfig): number {
  const people = lastPersonId0(n) + 1;
  const active = Math.min(people, config.numActivePeople);
  return people - active + random.nextInt(active);
}

/** One of the `numInFlightAuctions` most recent auctions. */
function inFlightAuctionId0(n: number, random: SeededRandom, config: NexmarkConfig): number {
  const last = lastAuctionId0(n);
  const min = Math.max(last - config.numInFlightAuctions, 0);
  return min + random.nextInt(last - min + 1);
}

function person(n: number, random: SeededRandom, config: NexmarkConfig): Person {
  const id = lastPersonId0(n) + FIRST_PERSON_ID;
  const name = `${FIRST_NAMES[random.nextInt(FIRST_NAMES.length)]} ${LAST_NAMES[random.nextInt(LAST_NAMES.length)]}`;
  const emailAddress = `${randomString(random, 7)}@${randomString(random, 5)}.com`;
  let creditCard = '';
  for (let i = 0; i < 4; i++) creditCard += `${i > 0 ? ' ' : ''}${String(random.nextInt(10_000)).padStart(4, '0')}`;
  const city = US_CITIES[random.nextInt(US_CITIES.length)] as string;
  const state = US_STATES[random.nextInt(US_STATES.length)] as string;
  const dateTime = nexmarkTimestamp(n, config);
  const size =
    PERSON_JSON_OVERHEAD +
    digits(id) +
    name.length +
    emailAddress.length +
    creditCard.length +
    city.length +
    state.length +
    digits(dateTime);
  return {
    kind: 'person',
    id,
    name,
    emailAddress,
    creditCard,
    city,
    state,
    dateTime,
    extra: extra(random, size, config.avgPersonByteSize),
  };
}

function auction(n: number, random: SeededRandom, config: NexmarkConfig): Auction {
  const id = lastAuctionId0(n) + FIRST_AUCTION_ID;
  const lastPerson = lastPersonId0(n);
  // Hot seller with probability 1 - 1/hotSellersRatio: the first person of the current block.
  const seller =
    (random.nextInt(config.hotSellersRatio) > 0
      ? Math.floor(lastPerson / HOT_BLOCK) * HOT_BLOCK
      : activePersonId0(n, random, config)) + FIRST_PERSON_ID;
  const category = FIRST_CATEGORY_ID + random.nextInt(NUM_CATEGORIES);
  const initialBid = price(random);
  const dateTime = nexmarkTimestamp(n, config);
  // Length averages the time until `numInFlightAuctions` more auctions exist (the reference's horizon).
  const horizonEvents = Math.floor((config.numInFlightAuctions * TOTAL_PROPORTION) / AUCTION_PROPORTION);
  const horizonMs = nexmarkTimestamp(n + horizonEvents, config) - dateTime;
  const expires = dateTime + 1 + random.nextInt(Math.max(horizonMs * 2, 1));
  const itemName = randomString(random, 20);
  const description = randomString(random, 100);
  const reserve = initialBid + price(random);
  const size =
    AUCTION_JSON_OVERHEAD +
    digits(id) +
    itemName.length +
    description.length +
    digits(initialBid) +
    digits(reserve) +
    digits(dateTime) +
    digits(expires) +
    digits(seller) +
    digits(category);
  return {
    kind: 'auction',
    id,
    itemName,
    description,
    initialBid,
    reserve,
    dateTime,
    expires,
    seller,
    category,
    extra: extra(random, size, config.avgAuctionByteSize),
  };
}

function bid(n: number, random: SeededRandom, config: NexmarkConfig): Bid {
  // Hot auction with probability 1 - 1/hotAuctionRatio: the first auction of the current block.
  const auctionId =
    (random.nextInt(config.hotAuctionRatio) > 0
      ? Math.floor(lastAuctionId0(n) / HOT_BLOCK) * HOT_BLOCK
      : inFlightAuctionId0(n, random, config)) + FIRST_AUCTION_ID;
  // Hot bidder with probability 1 - 1/hotBiddersRatio: the second person of the current block.
  const lastPerson = lastPersonId0(n);
  const bidder =
    (random.nextInt(config.hotBiddersRatio) > 0
      ? Math.min(Math.floor(lastPerson / HOT_BLOCK) * HOT_BLOCK + 1, lastPerson)
      : activePersonId0(n, random, config)) + FIRST_PERSON_ID;
  const p = price(random);
  const dateTime = nexmarkTimestamp(n, config);
  const size = BID_JSON_OVERHEAD + digits(auctionId) + digits(bidder) + digits(p) + digits(dateTime);
  return {
    kind: 'bid',
    auction: auctionId,
    bidder,
    price: p,
    dateTime,
    extra: extra(random, size, config.avgBidByteSize),
  };
}

/**
 * Builds event `n` from a `random` already reset to (seed, n): the `generate` function of a
 * {@link DataGeneratorSource}. Exposed so harnesses can wrap it (e.g. to probe generation times).
 *
 * @example
 * ```ts
 * const generate = nexmarkGenerator();
 * const source = new DataGeneratorSource({ count: 1000, seed: 7, generate });
 * ```
 */
export function nexmarkGenerator(
  config: Partial<NexmarkConfig> = {},
): (n: number, random: SeededRandom) => NexmarkEvent {
  const full: NexmarkConfig = { ...DEFAULT_NEXMARK_CONFIG, ...config };
  return (n, random) => {
    const offset = n % TOTAL_PROPORTION;
    if (offset < PERSON_PROPORTION) return person(n, random, full);
    if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) return auction(n, random, full);
    return bid(n, random, full);
  };
}

/** Options of {@link nexmarkEvents} and {@link nexmarkSource}: generator settings plus the run's size. */
export interface NexmarkOptions extends Partial<NexmarkConfig> {
  /** Number of events; omit for an unbounded stream. */
  readonly events?: number;
  /** Default 0. */
  readonly seed?: number;
}

/**
 * The events as a plain iterator (e.g. to pre-load a Kafka topic or to compute expected results):
 * exactly the records {@link nexmarkSource} emits, in event order.
 *
 * @example
 * ```ts
 * for (const e of nexmarkEvents({ events: 1000, seed: 7 })) if (e.kind === 'person') console.log(e.name);
 * ```
 */
export function* nexmarkEvents(options: NexmarkOptions = {}): Generator<NexmarkEvent, void, undefined> {
  const { events = Number.POSITIVE_INFINITY, seed = 0, ...config } = options;
  const generate = nexmarkGenerator(config);
  const random = new SeededRandom();
  for (let n = 0; n < events; n++) {
    random.reset(seed, n);
    yield generate(n, random);
  }
}

/**
 * The events as an in-process source (one interleaved split per subtask; any parallelism emits
 * the same multiset of events). Pair it with {@link nexmarkWatermarks}.
 *
 * @example
 * ```ts
 * const events = env.fromSource(nexmarkSource({ events: 1_000_000, seed: 7 }), nexmarkWatermarks(), 'nexmark');
 * q1(events).sinkTo(new CollectSink());
 * ```
 */
export function nexmarkSource(
  options: NexmarkOptions & { readonly recordsPerSecond?: number; readonly batchSize?: number } = {},
): DataGeneratorSource<NexmarkEvent> {
  const { events, seed = 0, recordsPerSecond, batchSize, ...config } = options;
  return new DataGeneratorSource<NexmarkEvent>({
    count: events,
    recordsPerSecond,
    batchSize,
    seed,
    generate: nexmarkGenerator(config),
  });
}

/**
 * Event time = `dateTime`. Each source split emits events in time order, so watermarks follow
 * the timestamps with no out-of-orderness bound.
 *
 * @example
 * ```ts
 * env.fromSource(nexmarkSource({ events: 10_000 }), nexmarkWatermarks(), 'nexmark');
 * ```
 */
export function nexmarkWatermarks(): WatermarkStrategy<NexmarkEvent> {
  return WatermarkStrategy.forMonotonousTimestamps<NexmarkEvent>().withTimestampAssigner((e) => e.dateTime);
}
