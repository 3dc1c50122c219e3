import type { DataStream } from '@sluice/core';
import type { NexmarkEvent } from '../model.ts';

/**
 * Nexmark q0, pass-through: every event unchanged (measures the source and the sink alone; the
 * reference also round-trips each event through its coder, which an in-process run does not do).
 *
 * @example
 * ```ts
 * q0(env.fromSource(nexmarkSource({ events: 1000 }), nexmarkWatermarks(), 'nexmark')).sinkTo(sink);
 * ```
 */
export function q0(events: DataStream<NexmarkEvent>): DataStream<NexmarkEvent> {
  return events.map('q0-pass-through', (e) => e);
}
