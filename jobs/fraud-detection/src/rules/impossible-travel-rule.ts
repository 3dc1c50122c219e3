import { type Collector, type KeyedRuntimeContext, type ValueState, ValueStateDescriptor } from '@sluice/core';
import { type Alert, raiseAlert } from '../alert.ts';
import type { FraudRules } from '../fraud-rules.ts';
import { distanceKm, travelSpeedKmh } from '../geo.ts';
import type { Transaction } from '../transaction.ts';
import { EventTimeOrderedRule } from './event-time-ordered-rule.ts';

/**
 * Rule 3, keyed by card: two consecutive payments (in event time) whose distance needs a speed
 * strictly above `maxSpeedKmh` in the time between them. Two different places at the same
 * millisecond need an infinite speed. Evidence: `[previous, current]`.
 *
 * @example
 * ```ts
 * transactions.keyBy((t) => t.cardId).connect(updates.broadcast(RULES_STATE))
 *   .process('rule-impossible-travel', new ImpossibleTravelRule(fraudRules()));
 * ```
 */
export class ImpossibleTravelRule extends EventTimeOrderedRule {
  private last!: ValueState<Transaction>;

  protected openRule(ctx: KeyedRuntimeContext): void {
    this.last = ctx.getState(new ValueStateDescriptor<Transaction>('last-transaction'));
  }

  protected judge(tx: Transaction, rules: FraudRules, out: Collector<Alert>): void {
    const rule = rules.impossibleTravel;
    const previous = this.last.value();
    this.last.update(tx);
    if (previous === undefined || !rule.enabled) return;
    const speed = travelSpeedKmh(previous.location, tx.location, tx.eventTime - previous.eventTime);
    if (speed > rule.maxSpeedKmh) {
      const km = Math.round(distanceKm(previous.location, tx.location));
      const shown = Number.isFinite(speed) ? `${Math.round(speed)} km/h` : 'an infinite speed';
      out.collect(
        raiseAlert(
          'impossible-travel',
          [previous, tx],
          `${km} km in ${(tx.eventTime - previous.eventTime) / 1000}s needs ${shown} (limit ${rule.maxSpeedKmh} km/h)`,
        ),
      );
    }
  }
}
