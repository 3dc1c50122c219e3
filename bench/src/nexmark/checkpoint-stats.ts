import type { CheckpointInfo } from '@sluice/core';
import { percentileOf, round } from '../measure.ts';

/**
 * Checkpoint figures of one benchmark run (all `null` when the run took no checkpoint, e.g. it
 * ended before the first interval elapsed).
 */
export interface CheckpointStats {
  /** Checkpoints completed during the run (savepoints not counted). */
  readonly checkpoints: number;
  /** Duration from trigger to completion (metadata written), ms. */
  readonly checkpointP50Ms: number | null;
  readonly checkpointP99Ms: number | null;
  readonly checkpointMaxMs: number | null;
  /** Size of the last completed checkpoint, bytes. */
  readonly checkpointLastSizeBytes: number | null;
}

/**
 * Summarizes the checkpoints of a run as {@link CheckpointStats}: count, duration p50/p99/max and
 * the last one's size (by checkpoint id).
 *
 * @example
 * ```ts
 * const stats = checkpointStats(await client.listCheckpoints());
 * console.log(stats.checkpoints, stats.checkpointP99Ms);
 * ```
 */
export function checkpointStats(infos: readonly CheckpointInfo[]): CheckpointStats {
  const checkpoints = infos.filter((c) => c.kind === 'checkpoint');
  if (checkpoints.length === 0) {
    return {
      checkpoints: 0,
      checkpointP50Ms: null,
      checkpointP99Ms: null,
      checkpointMaxMs: null,
      checkpointLastSizeBytes: null,
    };
  }
  const durations = checkpoints.map((c) => c.durationMs);
  const last = checkpoints.reduce((a, b) => (b.checkpointId > a.checkpointId ? b : a));
  return {
    checkpoints: checkpoints.length,
    checkpointP50Ms: round(percentileOf(durations, 50), 1),
    checkpointP99Ms: round(percentileOf(durations, 99), 1),
    checkpointMaxMs: round(Math.max(...durations), 1),
    checkpointLastSizeBytes: last.totalSizeBytes,
  };
}
