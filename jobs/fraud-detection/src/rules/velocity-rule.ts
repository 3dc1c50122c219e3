import {
  type Collector,
  type KeyedRuntimeContext,
  type ListState,
  ListStateDescriptor,
  type ValueState,
  ValueStateDescriptor,
} from '@sluice/core';
import { type Alert, raiseAlert } from '../alert.ts';
import type { FraudRules } from '../fraud-rules.ts';
import type { Transaction } from '../transaction.ts';
import { EventTimeOrderedRule } from './event-time-ordered-rule.ts';

/**
 * Rule 2, keyed by card: more than `maxTransactions` payments within `windowMs` (the window
 * `[t - windowMs, t]` ending at each payment, both ends included). One alert per burst: the
 * payment that pushes the count over the limit raises it (evidence: every payment in the window),
 * and the card is not alerted again until its count is back at or below the limit.
 *
 * @example
 * ```ts
 * transactions.keyBy((t) => t.cardId).connect(updates.broadcast(RULES_STATE))
 *   .process('rule-velocity', new VelocityRule(fraudRules()));
 * ```
 */
export class VelocityRule extends EventTimeOrderedRule {
  private recent!: ListState<Transaction>;
  private inBurst!: ValueState<boolean>;

  protected openRule(ctx: KeyedRuntimeContext): void {
    this.recent = ctx.getListState(new ListStateDescriptor<Transaction>('recent-transactions'));
    this.inBurst = ctx.getState(new ValueStateDescriptor<boolean>('in-burst'));
  }

  protected judge(tx: Transaction, rules: FraudRules, out: Collector<Alert>): void {
    const rule = rules.velocity;
    const from = tx.eventTime - rule.windowMs;
    const window = this.recent.get().filter((t) => t.eventTime >= from);
    window.push(tx);
    this.recent.update(window);
    if (window.length > rule.maxTransactions) {
      if (this.inBurst.value() === true) return;
      this.inBurst.update(true);
      if (rule.enabled) {
        out.collect(
          raiseAlert(
            'velocity',
            window,
            `${window.length} transactions within ${rule.windowMs / 1000}s (limit ${rule.maxTransactions})`,
          ),
        );
      }
    } else if (this.inBurst.value() === true) {
      this.inBurst.clear();
    }
  }
}
