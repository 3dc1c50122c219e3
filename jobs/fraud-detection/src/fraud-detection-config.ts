import { FraudDetectionError } from './errors.ts';
import { type FraudRules, type FraudRulesPatch, fraudRules } from './fraud-rules.ts';

/**
 * Configuration of the fraud-detection job.
 * @example
 * ```ts
 * const config: FraudDetectionConfig = fraudDetectionConfig({ rules: { velocity: { maxTransactions: 3 } } });
 * ```
 */
export interface FraudDetectionConfig {
  /** The rules in force until a rule update changes them. */
  readonly rules: FraudRules;
  /** How far (ms) a transaction may arrive behind the newest one seen before it counts as late (default 5000). */
  readonly outOfOrdernessMs: number;
  /**
   * After this long (processing time, ms) without rule updates the control stream stops holding
   * the watermark back (default 1000). Only used by {@link ruleUpdateWatermarks} on unbounded control streams.
   */
  readonly ruleUpdatesIdleMs: number;
}

/** What {@link fraudDetectionConfig} accepts: every field optional, rules as a partial patch. */
export interface FraudDetectionConfigInput {
  readonly rules?: FraudRulesPatch;
  readonly outOfOrdernessMs?: number;
  readonly ruleUpdatesIdleMs?: number;
}

/**
 * A validated configuration: defaults for what `input` leaves out. Throws
 * {@link FraudDetectionError} `INVALID_CONFIG` naming every invalid field.
 *
 * @example
 * ```ts
 * fraudDetectionConfig().rules.smallThenLarge.withinMs; // 60000
 * fraudDetectionConfig({ outOfOrdernessMs: -1 }); // throws INVALID_CONFIG
 * ```
 */
export function fraudDetectionConfig(input: FraudDetectionConfigInput = {}): FraudDetectionConfig {
  const problems: string[] = [];
  const outOfOrdernessMs = input.outOfOrdernessMs ?? 5_000;
  if (!Number.isSafeInteger(outOfOrdernessMs) || outOfOrdernessMs < 0) {
    problems.push(`outOfOrdernessMs must be an integer >= 0; got ${JSON.stringify(input.outOfOrdernessMs)}`);
  }
  const ruleUpdatesIdleMs = input.ruleUpdatesIdleMs ?? 1_000;
  if (!Number.isSafeInteger(ruleUpdatesIdleMs) || ruleUpdatesIdleMs < 1) {
    problems.push(`ruleUpdatesIdleMs must be an integer >= 1; got ${JSON.stringify(input.ruleUpdatesIdleMs)}`);
  }
  let rules: FraudRules | undefined;
  try {
    rules = fraudRules(input.rules);
  } catch (e) {
    if (!(e instanceof FraudDetectionError)) throw e;
    problems.push(e.message);
  }
  if (problems.length > 0 || rules === undefined) {
    throw new FraudDetectionError('INVALID_CONFIG', `Invalid fraud-detection configuration: ${problems.join('; ')}`);
  }
  return { rules, outOfOrdernessMs, ruleUpdatesIdleMs };
}
