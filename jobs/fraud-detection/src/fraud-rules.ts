import { FraudDetectionError } from './errors.ts';

/** Rule 1: a small payment immediately followed, on the same account, by a large one. */
export interface SmallThenLargeRule {
  readonly enabled: boolean;
  /** A payment is small when its amount is strictly below this (cents; default 100 = $1). */
  readonly smallBelowCents: number;
  /** A payment is large when its amount is strictly above this (cents; default 50_000 = $500). */
  readonly largeAboveCents: number;
  /** The large payment must come at most this long after the small one (ms, inclusive; default 60_000). */
  readonly withinMs: number;
}

/** Rule 2: too many payments on one card in a short time. */
export interface VelocityRule {
  readonly enabled: boolean;
  /** Alert when a card has more than this many payments within `windowMs` (default 5). */
  readonly maxTransactions: number;
  /** Length of the window ending at each payment, `[t - windowMs, t]`, inclusive (ms; default 60_000). */
  readonly windowMs: number;
}

/** Rule 3: two consecutive payments of a card farther apart than a plane could fly in between. */
export interface ImpossibleTravelRule {
  readonly enabled: boolean;
  /** Alert when the speed needed between two consecutive payments is strictly above this (default 1000 km/h). */
  readonly maxSpeedKmh: number;
}

/** Rule 4: an amount far above the account's running mean. */
export interface AmountAnomalyRule {
  readonly enabled: boolean;
  /** Alert when (amount − mean) / standard deviation is strictly above this (default 4). */
  readonly zScore: number;
  /** Amounts the account needs before it is judged (default 20; at least 2). */
  readonly minHistory: number;
}

/**
 * Thresholds of the four rules. Every field can change at runtime through a {@link RuleUpdate}.
 *
 * @example
 * ```ts
 * const rules: FraudRules = fraudRules({ velocity: { maxTransactions: 3 } });
 * rules.velocity.windowMs; // 60000 (default)
 * ```
 */
export interface FraudRules {
  readonly smallThenLarge: SmallThenLargeRule;
  readonly velocity: VelocityRule;
  readonly impossibleTravel: ImpossibleTravelRule;
  readonly amountAnomaly: AmountAnomalyRule;
}

/**
 * A partial {@link FraudRules}: any subset of fields of any rule (what users pass to
 * {@link fraudRules} and what a {@link RuleUpdate} carries).
 * @example
 * ```ts
 * const patch: FraudRulesPatch = { impossibleTravel: { maxSpeedKmh: 800 } };
 * ```
 */
export type FraudRulesPatch = { readonly [R in keyof FraudRules]?: Partial<FraudRules[R]> };

/**
 * The defaults: $1 / $500 within one minute; more than 5 payments per card within one minute;
 * 1000 km/h; z-score 4 after 20 payments. All rules enabled.
 * @example
 * ```ts
 * DEFAULT_FRAUD_RULES.smallThenLarge.largeAboveCents; // 50000
 * ```
 */
export const DEFAULT_FRAUD_RULES: FraudRules = {
  smallThenLarge: { enabled: true, smallBelowCents: 100, largeAboveCents: 50_000, withinMs: 60_000 },
  velocity: { enabled: true, maxTransactions: 5, windowMs: 60_000 },
  impossibleTravel: { enabled: true, maxSpeedKmh: 1_000 },
  amountAnomaly: { enabled: true, zScore: 4, minHistory: 20 },
};

type Check = (value: unknown) => string | undefined;

const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const positiveInteger: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) >= 1 ? undefined : 'must be an integer >= 1';
const positiveNumber: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be a finite number > 0';
const integerAtLeast =
  (min: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min ? undefined : `must be an integer >= ${min}`;

const CHECKS: { readonly [R in keyof FraudRules]: { readonly [F in keyof FraudRules[R]]: Check } } = {
  smallThenLarge: {
    enabled: boolean,
    smallBelowCents: positiveInteger,
    largeAboveCents: positiveInteger,
    withinMs: positiveInteger,
  },
  velocity: { enabled: boolean, maxTransactions: positiveInteger, windowMs: positiveInteger },
  impossibleTravel: { enabled: boolean, maxSpeedKmh: positiveNumber },
  amountAnomaly: { enabled: boolean, zScore: positiveNumber, minHistory: integerAtLeast(2) },
};

/**
 * Problems of a patch, one line each (`velocity.maxTransactions must be an integer >= 1; got 0`);
 * empty when the patch is valid. Unknown rules or fields are problems too (typos must not be
 * silently ignored).
 * @example
 * ```ts
 * rulesPatchProblems({ velocity: { windowMs: -1 } }); // ['velocity.windowMs must be an integer >= 1; got -1']
 * ```
 */
export function rulesPatchProblems(patch: unknown): string[] {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return ['rules must be an object'];
  const problems: string[] = [];
  for (const [rule, fields] of Object.entries(patch)) {
    const checks = (CHECKS as Record<string, Record<string, Check> | undefined>)[rule];
    if (checks === undefined) {
      problems.push(`unknown rule '${rule}' (known: ${Object.keys(CHECKS).join(', ')})`);
      continue;
    }
    if (fields === undefined) continue;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      problems.push(`${rule} must be an object`);
      continue;
    }
    for (const [field, value] of Object.entries(fields)) {
      const check = checks[field];
      if (check === undefined) {
        problems.push(`unknown field '${rule}.${field}' (known: ${Object.keys(checks).join(', ')})`);
        continue;
      }
      const problem = check(value);
      if (problem !== undefined) problems.push(`${rule}.${field} ${problem}; got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

/**
 * `base` with `patch` applied (fields of the patch win). Does not validate; see {@link fraudRules}.
 * @example
 * ```ts
 * applyRulesPatch(DEFAULT_FRAUD_RULES, { velocity: { maxTransactions: 3 } }).velocity.maxTransactions; // 3
 * ```
 */
export function applyRulesPatch(base: FraudRules, patch: FraudRulesPatch): FraudRules {
  return {
    smallThenLarge: { ...base.smallThenLarge, ...patch.smallThenLarge },
    velocity: { ...base.velocity, ...patch.velocity },
    impossibleTravel: { ...base.impossibleTravel, ...patch.impossibleTravel },
    amountAnomaly: { ...base.amountAnomaly, ...patch.amountAnomaly },
  };
}

/**
 * Validated rules: the defaults ({@link DEFAULT_FRAUD_RULES}) with `overrides` applied. Throws a
 * {@link FraudDetectionError} `INVALID_CONFIG` listing every invalid field.
 *
 * @example
 * ```ts
 * const rules = fraudRules({ smallThenLarge: { largeAboveCents: 100_000 }, amountAnomaly: { zScore: 3 } });
 * fraudRules({ velocity: { maxTransactions: 0 } }); // throws INVALID_CONFIG
 * ```
 */
export function fraudRules(overrides: FraudRulesPatch = {}, base: FraudRules = DEFAULT_FRAUD_RULES): FraudRules {
  const problems = rulesPatchProblems(overrides);
  if (problems.length > 0) {
    throw new FraudDetectionError(
      'INVALID_CONFIG',
      `Invalid fraud-detection rules: ${problems.join('; ')}. Fix these fields (see DEFAULT_FRAUD_RULES for the defaults).`,
    );
  }
  return applyRulesPatch(base, overrides);
}
