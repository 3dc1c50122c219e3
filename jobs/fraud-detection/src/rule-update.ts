import { FraudDetectionError } from './errors.ts';
import { applyRulesPatch, type FraudRules, type FraudRulesPatch, rulesPatchProblems } from './fraud-rules.ts';

/**
 * A change of rule thresholds at runtime, sent on the control stream and broadcast to every rule
 * operator. It applies to every transaction whose event time is at or after `effectiveTime`;
 * updates are applied in (`effectiveTime`, `id`) order, so the result does not depend on the
 * order in which they arrive. Re-sending an id replaces the earlier update of that id.
 *
 * @example
 * ```ts
 * const update: RuleUpdate = {
 *   id: 'lower-velocity',
 *   effectiveTime: Date.parse('2024-01-01T12:00:00Z'),
 *   rules: { velocity: { maxTransactions: 3 } },
 * };
 * ```
 */
export interface RuleUpdate {
  readonly id: string;
  /** Event time (ms) from which the update applies. */
  readonly effectiveTime: number;
  readonly rules: FraudRulesPatch;
}

/**
 * Problems of a rule update, empty when it is valid.
 * @example
 * ```ts
 * ruleUpdateProblems({ id: 'x', effectiveTime: 0, rules: { velocity: { windowMs: 0 } } });
 * // ['velocity.windowMs must be an integer >= 1; got 0']
 * ```
 */
export function ruleUpdateProblems(update: unknown): string[] {
  if (typeof update !== 'object' || update === null) return ['a rule update must be an object'];
  const u = update as Partial<Record<keyof RuleUpdate, unknown>>;
  const problems: string[] = [];
  if (typeof u.id !== 'string' || u.id.length === 0) problems.push('id must be a non-empty string');
  if (!Number.isSafeInteger(u.effectiveTime)) problems.push('effectiveTime must be an integer (ms since the epoch)');
  problems.push(...rulesPatchProblems(u.rules));
  return problems;
}

/**
 * The update itself if it is valid; otherwise throws {@link FraudDetectionError} `INVALID_RULE_UPDATE`.
 * @example
 * ```ts
 * const update = validateRuleUpdate(JSON.parse(body));
 * ```
 */
export function validateRuleUpdate(update: unknown): RuleUpdate {
  const problems = ruleUpdateProblems(update);
  if (problems.length > 0) {
    throw new FraudDetectionError(
      'INVALID_RULE_UPDATE',
      `Invalid rule update: ${problems.join('; ')}. Send { id, effectiveTime, rules: { <rule>: { <field>: value } } }.`,
    );
  }
  return update as RuleUpdate;
}

/** One step of a {@link RulesTimeline}: the rules in force from `from` (inclusive). */
export interface RulesVersion {
  readonly from: number;
  readonly rules: FraudRules;
}

/**
 * The rules in force over event time: the base rules, then one version per update in
 * (`effectiveTime`, `id`) order. Plain data; the rule operators keep it in broadcast state.
 * @example
 * ```ts
 * const timeline = rulesTimeline(DEFAULT_FRAUD_RULES, [{ id: 'a', effectiveTime: 1_000, rules: { velocity: { maxTransactions: 2 } } }]);
 * rulesAt(timeline, 999).velocity.maxTransactions; // 5
 * rulesAt(timeline, 1_000).velocity.maxTransactions; // 2
 * ```
 */
export interface RulesTimeline {
  readonly base: FraudRules;
  /** The updates, sorted by (effectiveTime, id), unique by id. */
  readonly updates: readonly RuleUpdate[];
  /** `versions[0]` is the base (from `Number.MIN_SAFE_INTEGER`); then one version per update, by `from`. */
  readonly versions: readonly RulesVersion[];
}

function byEffectiveTimeThenId(a: RuleUpdate, b: RuleUpdate): number {
  return a.effectiveTime - b.effectiveTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Builds the timeline of `base` with `updates` (any order; a later update with the same id replaces
 * an earlier one).
 * @example
 * ```ts
 * const timeline = rulesTimeline(fraudRules(), updates);
 * ```
 */
export function rulesTimeline(base: FraudRules, updates: readonly RuleUpdate[] = []): RulesTimeline {
  const byId = new Map<string, RuleUpdate>();
  for (const u of updates) byId.set(u.id, u);
  const sorted = [...byId.values()].sort(byEffectiveTimeThenId);
  const versions: RulesVersion[] = [{ from: Number.MIN_SAFE_INTEGER, rules: base }];
  let current = base;
  for (const u of sorted) {
    current = applyRulesPatch(current, u.rules);
    versions.push({ from: u.effectiveTime, rules: current });
  }
  return { base, updates: sorted, versions };
}

/**
 * The timeline with one more update.
 * @example
 * ```ts
 * timeline = withRuleUpdate(timeline, update);
 * ```
 */
export function withRuleUpdate(timeline: RulesTimeline, update: RuleUpdate): RulesTimeline {
  return rulesTimeline(timeline.base, [...timeline.updates, update]);
}

/**
 * The rules in force at event time `time`: the last version whose `from` is <= `time`.
 * @example
 * ```ts
 * rulesAt(timeline, tx.eventTime).velocity.maxTransactions;
 * ```
 */
export function rulesAt(timeline: RulesTimeline, time: number): FraudRules {
  const versions = timeline.versions;
  for (let i = versions.length - 1; i > 0; i--) {
    const v = versions[i] as RulesVersion;
    if (v.from <= time) return v.rules;
  }
  return (versions[0] as RulesVersion).rules;
}
