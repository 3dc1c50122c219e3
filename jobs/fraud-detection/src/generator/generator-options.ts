import { FraudDetectionError } from '../errors.ts';
import { DEFAULT_FRAUD_RULES, type FraudRules } from '../fraud-rules.ts';
import { type RuleUpdate, type RulesTimeline, ruleUpdateProblems, rulesTimeline } from '../rule-update.ts';

/**
 * Options of the transaction generator ({@link FraudTransactionSource}, {@link generateFraudData}).
 * The same options always give the same transactions and the same ground truth, whatever the
 * parallelism.
 *
 * @example
 * ```ts
 * const options: TransactionGeneratorOptions = { seed: 7, accounts: 500, count: 50_000, fraudRate: 0.02 };
 * ```
 */
export interface TransactionGeneratorOptions {
  /** Seed of every random choice (default 42). */
  readonly seed?: number;
  /** Number of accounts (default 1000); each has one or two cards. */
  readonly accounts?: number;
  /**
   * Independent partitions of the accounts (default 4): the source's splits, and its highest
   * useful parallelism. The data depends on it, not on the parallelism.
   */
  readonly shards?: number;
  /** Total transactions over all shards; omit for an unbounded source. */
  readonly count?: number;
  /** Total transactions per second over all subtasks (processing time); omit to go as fast as possible. */
  readonly recordsPerSecond?: number;
  /** Event time of the simulation's start (ms; default 2023-11-14T22:13:20Z). */
  readonly startTime?: number;
  /** Emit transactions up to this far out of event-time order (ms, default 0); keep it <= the watermark bound. */
  readonly maxDelayMs?: number;
  /** Probability (0..1, default 0.01) that an account's next activity is a fraud pattern rather than a normal payment. */
  readonly fraudRate?: number;
  /** The rules the ground truth is computed for (default {@link DEFAULT_FRAUD_RULES}). */
  readonly rules?: FraudRules;
  /** Rule updates the job will receive; the ground truth follows them. */
  readonly ruleUpdates?: readonly RuleUpdate[];
}

/** Validated options plus what the simulation derives from the rules. @internal */
export interface ResolvedGeneratorOptions {
  readonly seed: number;
  readonly accounts: number;
  readonly shards: number;
  readonly count: number | undefined;
  readonly recordsPerSecond: number | undefined;
  readonly startTime: number;
  readonly maxDelayMs: number;
  readonly fraudRate: number;
  readonly timeline: RulesTimeline;
  readonly bounds: RuleBounds;
  /** Smallest gap between two activities of an account: keeps normal traffic clear of every rule. */
  readonly minGapMs: number;
}

/** The extremes of every threshold over the rules timeline. @internal */
export interface RuleBounds {
  readonly maxSmallBelow: number;
  readonly minSmallBelow: number;
  readonly maxLargeAbove: number;
  readonly minLargeAbove: number;
  readonly minWithin: number;
  readonly maxWithin: number;
  readonly minVelocityN: number;
  readonly minVelocityWindow: number;
  readonly maxVelocityWindow: number;
  readonly minSpeed: number;
  readonly maxSpeed: number;
  readonly minZ: number;
  readonly maxZ: number;
  readonly maxMinHistory: number;
}

function boundsOf(timeline: RulesTimeline): RuleBounds {
  const all = timeline.versions.map((v) => v.rules);
  const min = (f: (r: FraudRules) => number) => Math.min(...all.map(f));
  const max = (f: (r: FraudRules) => number) => Math.max(...all.map(f));
  return {
    maxSmallBelow: max((r) => r.smallThenLarge.smallBelowCents),
    minSmallBelow: min((r) => r.smallThenLarge.smallBelowCents),
    maxLargeAbove: max((r) => r.smallThenLarge.largeAboveCents),
    minLargeAbove: min((r) => r.smallThenLarge.largeAboveCents),
    minWithin: min((r) => r.smallThenLarge.withinMs),
    maxWithin: max((r) => r.smallThenLarge.withinMs),
    minVelocityN: min((r) => r.velocity.maxTransactions),
    minVelocityWindow: min((r) => r.velocity.windowMs),
    maxVelocityWindow: max((r) => r.velocity.windowMs),
    minSpeed: min((r) => r.impossibleTravel.maxSpeedKmh),
    maxSpeed: max((r) => r.impossibleTravel.maxSpeedKmh),
    minZ: min((r) => r.amountAnomaly.zScore),
    maxZ: max((r) => r.amountAnomaly.zScore),
    maxMinHistory: max((r) => r.amountAnomaly.minHistory),
  };
}

/** Validates generator options (throws `INVALID_GENERATOR_OPTIONS`) and derives the simulation's bounds. @internal */
export function resolveGeneratorOptions(options: TransactionGeneratorOptions = {}): ResolvedGeneratorOptions {
  const problems: string[] = [];
  const intAtLeast = (name: string, value: number | undefined, fallback: number, least: number): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < least) problems.push(`${name} must be an integer >= ${least}; got ${value}`);
    return v;
  };
  const seed = intAtLeast('seed', options.seed, 42, Number.MIN_SAFE_INTEGER);
  const accounts = intAtLeast('accounts', options.accounts, 1_000, 1);
  const shards = intAtLeast('shards', options.shards, 4, 1);
  const count = options.count === undefined ? undefined : intAtLeast('count', options.count, 0, 0);
  const startTime = intAtLeast('startTime', options.startTime, 1_700_000_000_000, 0);
  const maxDelayMs = intAtLeast('maxDelayMs', options.maxDelayMs, 0, 0);
  const recordsPerSecond = options.recordsPerSecond;
  if (recordsPerSecond !== undefined && !(recordsPerSecond > 0 && Number.isFinite(recordsPerSecond))) {
    problems.push(`recordsPerSecond must be a number > 0; got ${recordsPerSecond}`);
  }
  const fraudRate = options.fraudRate ?? 0.01;
  if (!(fraudRate >= 0 && fraudRate <= 1)) problems.push(`fraudRate must be between 0 and 1; got ${fraudRate}`);
  if (shards > accounts) problems.push(`shards (${shards}) must not exceed accounts (${accounts})`);
  for (const [i, u] of (options.ruleUpdates ?? []).entries()) {
    const p = ruleUpdateProblems(u);
    if (p.length > 0) problems.push(`ruleUpdates[${i}]: ${p.join(', ')}`);
  }
  const timeline = rulesTimeline(options.rules ?? DEFAULT_FRAUD_RULES, problems.length > 0 ? [] : options.ruleUpdates);
  const bounds = boundsOf(timeline);
  if (bounds.minVelocityN < 2) {
    problems.push(
      'the generator needs velocity.maxTransactions >= 2 in every rules version (its small-then-large pairs are two payments of one card)',
    );
  }
  if (bounds.minLargeAbove - bounds.maxSmallBelow < 1_000) {
    problems.push(
      'the generator needs largeAboveCents to exceed smallBelowCents by at least 1000 cents in every rules version (room for normal amounts)',
    );
  }
  if (problems.length > 0) {
    throw new FraudDetectionError('INVALID_GENERATOR_OPTIONS', `Invalid generator options: ${problems.join('; ')}.`);
  }
  const minGapMs = Math.max(5 * 60_000, bounds.maxVelocityWindow + 1_000, bounds.maxWithin + 1_000);
  return {
    seed,
    accounts,
    shards,
    count,
    recordsPerSecond,
    startTime,
    maxDelayMs,
    fraudRate,
    timeline,
    bounds,
    minGapMs,
  };
}
