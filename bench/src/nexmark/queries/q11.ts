import { type DataStream, EventTimeSessionWindows, type ProcessWindowFunction, type TimeWindow } from '@sluice/core';
import type { NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';
import { countBids } from './count-bids.ts';

/** Options of {@link q11}. */
export interface Q11Options {
  /** Session gap, ms (default 10,000, as Flink's Nexmark q11). */
  readonly gapMs?: number;
}

/**
 * One row of {@link q11}: a bidder's session `[start, end)` and its number of bids; `end` is the
 * last bid's time plus the gap.
 */
export interface UserSession {
  readonly bidder: number;
  readonly count: number;
  readonly start: number;
  readonly end: number;
}

const toSession: ProcessWindowFunction<number, UserSession, number, TimeWindow> = {
  process(bidder, ctx, counts, out) {
    for (const count of counts) out.collect({ bidder, count, start: ctx.window.start, end: ctx.window.end });
  },
};

/**
 * Nexmark q11, user sessions: the number of bids of each bidder per event-time session (a session
 * ends after `gapMs` without a bid of that bidder; bids exactly `gapMs` apart are in one session),
 * as Flink's SQL q11 (`SESSION(dateTime, INTERVAL '10' SECOND)` grouped by bidder).
 *
 * @example
 * ```ts
 * q11(events, { gapMs: 10_000 }).sinkTo(sink); // { bidder: 1001, count: 312, start, end }
 * ```
 */
export function q11(events: DataStream<NexmarkEvent>, options: Q11Options = {}): DataStream<UserSession> {
  const gapMs = options.gapMs ?? 10_000;
  return bidsOf(events, 'q11-bids')
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap(gapMs))
    .aggregate('q11-bids-per-session', countBids, toSession);
}
