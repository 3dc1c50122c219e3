/**
 * Running mean and variance of an account's amounts (Welford's online algorithm): numerically
 * stable, O(1) memory, kept in keyed state by the amount-anomaly rule. Plain data, so it
 * snapshots as is.
 *
 * @example
 * ```ts
 * let stats = EMPTY_AMOUNT_STATS;
 * for (const cents of [1_000, 2_000, 3_000]) stats = addAmount(stats, cents);
 * stats.mean; // 2000
 * standardDeviation(stats); // 1000 (sample standard deviation)
 * ```
 */
export interface AmountStats {
  readonly count: number;
  readonly mean: number;
  /** Sum of squared differences from the mean. */
  readonly m2: number;
}

/** No amounts seen yet. */
export const EMPTY_AMOUNT_STATS: AmountStats = { count: 0, mean: 0, m2: 0 };

/**
 * The statistics with one more amount.
 * @example
 * ```ts
 * addAmount(EMPTY_AMOUNT_STATS, 500); // { count: 1, mean: 500, m2: 0 }
 * ```
 */
export function addAmount(stats: AmountStats, amount: number): AmountStats {
  const count = stats.count + 1;
  const delta = amount - stats.mean;
  const mean = stats.mean + delta / count;
  return { count, mean, m2: stats.m2 + delta * (amount - mean) };
}

/**
 * Sample standard deviation (n − 1 in the denominator); 0 with fewer than two amounts.
 * @example
 * ```ts
 * standardDeviation(addAmount(addAmount(EMPTY_AMOUNT_STATS, 1), 3)); // ≈ 1.414
 * ```
 */
export function standardDeviation(stats: AmountStats): number {
  return stats.count < 2 ? 0 : Math.sqrt(stats.m2 / (stats.count - 1));
}

/**
 * How many standard deviations `amount` lies above the mean, or `undefined` when the deviation
 * is 0 (no spread: nothing can be judged).
 * @example
 * ```ts
 * zScore({ count: 3, mean: 2_000, m2: 2_000_000 }, 5_000); // 3
 * ```
 */
export function zScore(stats: AmountStats, amount: number): number | undefined {
  const sd = standardDeviation(stats);
  return sd > 0 ? (amount - stats.mean) / sd : undefined;
}
