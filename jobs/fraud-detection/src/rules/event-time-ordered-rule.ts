import {
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessFunction,
  type KeyedBroadcastReadOnlyContext,
  type KeyedRuntimeContext,
  type MapState,
  MapStateDescriptor,
  OutputTag,
} from '@sluice/core';
import type { Alert } from '../alert.ts';
import type { FraudRules } from '../fraud-rules.ts';
import { type RuleUpdate, type RulesTimeline, rulesAt, rulesTimeline, withRuleUpdate } from '../rule-update.ts';
import type { Transaction } from '../transaction.ts';

/**
 * The broadcast state every rule operator keeps: one entry, `timeline`, the rules over event time.
 * @example
 * ```ts
 * ruleUpdates.broadcast(RULES_STATE);
 * ```
 */
export const RULES_STATE = new MapStateDescriptor<string, RulesTimeline>('fraud-rules');
const TIMELINE = 'timeline';

/**
 * Transactions that arrived after the watermark had passed their event time. They cannot be
 * judged in event-time order any more, so they are not judged; they go to this side output.
 * @example
 * ```ts
 * const { lateTransactions } = buildFraudDetection(env, { transactions });
 * lateTransactions.print('late');
 * ```
 */
export const LATE_TRANSACTIONS = new OutputTag<Transaction>('late-transactions');

function byId(a: Transaction, b: Transaction): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The shared skeleton of the rules: a {@link KeyedBroadcastProcessFunction} that buffers each
 * key's transactions until the watermark passes their event time, then judges them in (event
 * time, id) order with the rules in force at that event time. The result therefore does not
 * depend on arrival order, parallelism or runtime mode. Subclasses only say how to judge one
 * transaction.
 */
export abstract class EventTimeOrderedRule
  implements KeyedBroadcastProcessFunction<string, Transaction, RuleUpdate, Alert>
{
  private readonly base: FraudRules;
  private pending!: MapState<number, Transaction[]>;

  constructor(base: FraudRules) {
    this.base = base;
  }

  open(ctx: KeyedRuntimeContext): void {
    this.pending = ctx.getMapState(new MapStateDescriptor<number, Transaction[]>('pending-transactions'));
    this.openRule(ctx);
  }

  /** Declares the rule's own keyed state (assign it to `this`: the function is per subtask). */
  protected abstract openRule(ctx: KeyedRuntimeContext): void;

  /** Judges one transaction of the current key, in event-time order, with the rules in force. */
  protected abstract judge(tx: Transaction, rules: FraudRules, out: Collector<Alert>): void;

  processElement(tx: Transaction, ctx: KeyedBroadcastReadOnlyContext<string>): void {
    const time = tx.eventTime;
    if (time <= ctx.currentWatermark()) {
      ctx.output(LATE_TRANSACTIONS, tx);
      return;
    }
    const waiting = this.pending.get(time);
    if (waiting === undefined) {
      this.pending.put(time, [tx]);
      ctx.timerService().registerEventTimeTimer(time);
    } else {
      this.pending.put(time, [...waiting, tx]);
    }
  }

  onTimer(time: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<Alert>): void {
    const due = this.pending.get(time);
    if (due === undefined) return;
    this.pending.remove(time);
    const timeline = ctx.getBroadcastState(RULES_STATE).get(TIMELINE);
    const rules = timeline === undefined ? this.base : rulesAt(timeline, time);
    const ordered = due.length > 1 ? [...due].sort(byId) : due;
    for (const tx of ordered) this.judge(tx, rules, out);
  }

  processBroadcastElement(update: RuleUpdate, ctx: KeyedBroadcastContext<string>): void {
    // Depends only on the update and the state itself, so every subtask holds the same timeline.
    const state = ctx.getBroadcastState(RULES_STATE);
    const current = state.get(TIMELINE) ?? rulesTimeline(this.base);
    state.put(TIMELINE, withRuleUpdate(current, update));
  }
}

/** `$1,234.56` from cents. */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}
