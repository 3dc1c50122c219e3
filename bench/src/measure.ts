/** One benchmark run's figures (DESIGN.md §8: the JSON contract of `npm run bench -- --json`). */
export interface RunResult {
  readonly query: string;
  readonly events: number;
  readonly parallelism: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /**
   * Throughput in steady state, where a run can tell (micro/keyed-window): events/s between two
   * progress marks inside the run, so worker start-up, JIT warm-up and the end-of-input drain are
   * left out. `eventsPerSecond` is the whole run.
   */
  readonly steadyEventsPerSecond?: number;
  /** Latency percentiles; for in-memory micro benchmarks: time from a batch's poll to its last record leaving the chain. */
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly peakRssMb: number;
  /** CPU time of the whole process (user + system, GC threads included) per million events. */
  readonly cpuSecondsPerMillion: number;
  readonly outputs: number;
}

/** Collects latency samples and computes percentiles. */
export class LatencyRecorder {
  private readonly samples: number[] = [];

  record(ms: number): void {
    this.samples.push(ms);
  }

  percentile(p: number): number {
    return percentileOf(this.samples, p);
  }
}

/**
 * The nearest-rank `p`-th percentile of `values` (0 when empty).
 *
 * @example
 * ```ts
 * percentileOf([5, 1, 3], 50); // 3
 * ```
 */
export function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Rounds to `digits` decimals for reports. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
