import {
  type DataStream,
  type ProcessWindowFunction,
  type TimeWindow,
  TumblingProcessingTimeWindows,
} from '@sluice/core';
import type { NexmarkEvent } from '../model.ts';
import { bidsOf } from './bids.ts';
import { countBids } from './count-bids.ts';

/** Options of {@link q12}. */
export interface Q12Options {
  /** Tumbling window size, ms of processing time (default 10,000, as Flink's Nexmark q12). */
  readonly windowMs?: number;
}

/** One row of {@link q12}: a bidder's number of bids processed in `[windowStart, windowEnd)`. */
export interface BidsPerWindow {
  readonly bidder: number;
  readonly count: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

const toRow: ProcessWindowFunction<number, BidsPerWindow, number, TimeWindow> = {
  process(bidder, ctx, counts, out) {
    for (const count of counts)
      out.collect({ bidder, count, windowStart: ctx.window.start, windowEnd: ctx.window.end });
  },
};

/**
 * Nexmark q12, processing-time windows: the number of bids of each bidder per tumbling window of
 * processing time, as Flink's SQL q12 (`TUMBLE(p_time, INTERVAL '10' SECOND)` grouped by bidder;
 * Apache Beam's Query12 fires a global window per bidder on processing-time delays instead).
 * Processing time is the environment's injected clock (`StreamExecutionEnvironment.create({ clock })`),
 * so a `ManualClock` makes the query deterministic. In STREAMING mode a window still open when a
 * bounded input ends never fires (as in Flink); in BATCH mode it fires at the end of input.
 *
 * @example
 * ```ts
 * q12(events, { windowMs: 10_000 }).sinkTo(sink); // { bidder: 1001, count: 4_113, windowStart, windowEnd }
 * ```
 */
export function q12(events: DataStream<NexmarkEvent>, options: Q12Options = {}): DataStream<BidsPerWindow> {
  const windowMs = options.windowMs ?? 10_000;
  return bidsOf(events, 'q12-bids')
    .keyBy((b) => b.bidder)
    .window(TumblingProcessingTimeWindows.of(windowMs))
    .aggregate('q12-bids-per-window', countBids, toRow);
}
