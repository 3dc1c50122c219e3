import { type Collector, type KeyedRuntimeContext, type ValueState, ValueStateDescriptor } from '@sluice/core';
import { type Alert, raiseAlert } from '../alert.ts';
import type { FraudRules } from '../fraud-rules.ts';
import type { Transaction } from '../transaction.ts';
import { EventTimeOrderedRule, formatCents } from './event-time-ordered-rule.ts';

/**
 * Rule 1, keyed by account: a small payment (below `smallBelowCents`) immediately followed — the
 * account's next payment — by a large one (above `largeAboveCents`) at most `withinMs` later.
 * Evidence: `[small, large]`. "Small" is judged with the rules in force at the small payment's
 * time; "large" and the window with those at the large payment's time.
 *
 * @example
 * ```ts
 * transactions.keyBy((t) => t.accountId).connect(updates.broadcast(RULES_STATE))
 *   .process('rule-small-then-large', new SmallThenLargeRule(fraudRules()));
 * ```
 */
export class SmallThenLargeRule extends EventTimeOrderedRule {
  private lastSmall!: ValueState<Transaction>;

  protected openRule(ctx: KeyedRuntimeContext): void {
    this.lastSmall = ctx.getState(new ValueStateDescriptor<Transaction>('last-small-transaction'));
  }

  protected judge(tx: Transaction, rules: FraudRules, out: Collector<Alert>): void {
    const rule = rules.smallThenLarge;
    const small = this.lastSmall.value();
    if (
      rule.enabled &&
      small !== undefined &&
      tx.amountCents > rule.largeAboveCents &&
      tx.eventTime - small.eventTime <= rule.withinMs
    ) {
      const seconds = (tx.eventTime - small.eventTime) / 1000;
      out.collect(
        raiseAlert(
          'small-then-large',
          [small, tx],
          `${formatCents(small.amountCents)} then ${formatCents(tx.amountCents)} ${seconds}s later`,
        ),
      );
    }
    if (tx.amountCents < rule.smallBelowCents) this.lastSmall.update(tx);
    else if (small !== undefined) this.lastSmall.clear();
  }
}
