import { type DataStream, TumblingEventTimeWindows } from '@sluice/core';
import type { Auction, NexmarkEvent, Person } from '../model.ts';

/** Options of {@link q8}. */
export interface Q8Options {
  /** Tumbling window size, ms (default 10,000, as Flink's Nexmark q8). */
  readonly windowMs?: number;
}

/**
 * One row of {@link q8}: a person who registered in the window starting at `windowStart` and
 * opened an auction (with reserve `reserve`, cents) in that same window.
 */
export interface NewUser {
  readonly id: number;
  readonly name: string;
  readonly reserve: number;
  readonly windowStart: number;
}

/**
 * Nexmark q8, monitor new users: persons who opened an auction in the same tumbling event-time
 * window in which they registered, by a window join of persons (on `id`) and auctions (on
 * `seller`). Deviation, as Apache Beam's Query8 and unlike Flink's SQL q8 (which groups both
 * sides per window first, so it emits one row per person and window): the join emits one row per
 * (person, auction) pair, with the auction's reserve, plus Flink's window start.
 *
 * @example
 * ```ts
 * q8(events, { windowMs: 10_000 }).sinkTo(sink); // { id: 1100, name: 'kate noris', reserve: 51_320, windowStart }
 * ```
 */
export function q8(events: DataStream<NexmarkEvent>, options: Q8Options = {}): DataStream<NewUser> {
  const windowMs = options.windowMs ?? 10_000;
  const persons = events.filter('q8-persons', (e) => e.kind === 'person') as unknown as DataStream<Person>;
  const auctions = events.filter('q8-auctions', (e) => e.kind === 'auction') as unknown as DataStream<Auction>;
  return persons
    .join(auctions)
    .where((p) => p.id)
    .equalTo((a) => a.seller)
    .window(TumblingEventTimeWindows.of(windowMs))
    .apply('q8-new-users', (p, a) => ({
      id: p.id,
      name: p.name,
      reserve: a.reserve,
      windowStart: p.dateTime - (p.dateTime % windowMs),
    }));
}
