import { type Collector, type KeyedRuntimeContext, type ValueState, ValueStateDescriptor } from '@sluice/core';
import { type Alert, raiseAlert } from '../alert.ts';
import { addAmount, type AmountStats, EMPTY_AMOUNT_STATS, zScore } from '../amount-stats.ts';
import type { AmountAnomalyRule as AmountAnomalyConfig, FraudRules } from '../fraud-rules.ts';
import type { Transaction } from '../transaction.ts';
import { EventTimeOrderedRule, formatCents } from './event-time-ordered-rule.ts';

/**
 * The z-score of `amount` if it is an anomaly for an account with `stats` under `rule`
 * (enough history, a spread, and a z-score strictly above the threshold), else undefined.
 * Judged whether the rule is enabled or not: anomalies never enter the statistics.
 */
export function anomalyZScore(stats: AmountStats, amount: number, rule: AmountAnomalyConfig): number | undefined {
  if (stats.count < rule.minHistory) return undefined;
  const z = zScore(stats, amount);
  return z !== undefined && z > rule.zScore ? z : undefined;
}

/**
 * Rule 4, keyed by account: an amount more than `zScore` standard deviations above the account's
 * running mean, once the account has `minHistory` amounts (Welford's algorithm in keyed state).
 * Anomalous amounts are left out of the statistics, so a fraud does not become the new normal.
 * Evidence: `[the payment]`.
 *
 * @example
 * ```ts
 * transactions.keyBy((t) => t.accountId).connect(updates.broadcast(RULES_STATE))
 *   .process('rule-amount-anomaly', new AmountAnomalyRule(fraudRules()));
 * ```
 */
export class AmountAnomalyRule extends EventTimeOrderedRule {
  private stats!: ValueState<AmountStats>;

  protected openRule(ctx: KeyedRuntimeContext): void {
    this.stats = ctx.getState(new ValueStateDescriptor<AmountStats>('amount-stats'));
  }

  protected judge(tx: Transaction, rules: FraudRules, out: Collector<Alert>): void {
    const rule = rules.amountAnomaly;
    const stats = this.stats.value() ?? EMPTY_AMOUNT_STATS;
    const z = anomalyZScore(stats, tx.amountCents, rule);
    if (z === undefined) {
      this.stats.update(addAmount(stats, tx.amountCents));
      return;
    }
    if (rule.enabled) {
      out.collect(
        raiseAlert(
          'amount-anomaly',
          [tx],
          `${formatCents(tx.amountCents)} is ${z.toFixed(1)} standard deviations above the mean ` +
            `${formatCents(Math.round(stats.mean))} of ${stats.count} payments (limit ${rule.zScore})`,
        ),
      );
    }
  }
}
