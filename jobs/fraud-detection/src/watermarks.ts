import { WatermarkStrategy } from '@sluice/core';
import type { RuleUpdate } from './rule-update.ts';
import type { Transaction } from './transaction.ts';

/**
 * Event time of transactions: timestamps from `eventTime`, watermarks trailing the newest
 * transaction by `outOfOrdernessMs`. A transaction arriving later than that is late (see
 * `LATE_TRANSACTIONS`).
 *
 * @example
 * ```ts
 * env.fromSource(kafkaSource, transactionWatermarks(5_000), 'transactions');
 * ```
 */
export function transactionWatermarks(outOfOrdernessMs: number): WatermarkStrategy<Transaction> {
  return WatermarkStrategy.forBoundedOutOfOrderness<Transaction>(outOfOrdernessMs).withTimestampAssigner(
    (t) => t.eventTime,
  );
}

/**
 * Event time of rule updates: timestamps from `effectiveTime`, which must not decrease on the
 * control stream. The rules hold transactions back until the control stream's watermark passes
 * them, which is what makes dynamic rules deterministic. Pass `idleMs` for an unbounded control
 * stream that is silent most of the time: after that much processing time without updates it
 * stops holding the watermark back (an update that then arrives behind the watermark is applied
 * to the transactions not judged yet; see the README).
 *
 * @example
 * ```ts
 * env.fromSource(new CollectionSource(updates), ruleUpdateWatermarks(), 'rule-updates');
 * env.fromSource(controlTopic, ruleUpdateWatermarks(1_000), 'rule-updates');
 * ```
 */
export function ruleUpdateWatermarks(idleMs?: number): WatermarkStrategy<RuleUpdate> {
  const strategy = WatermarkStrategy.forMonotonousTimestamps<RuleUpdate>().withTimestampAssigner(
    (u) => u.effectiveTime,
  );
  return idleMs === undefined ? strategy : strategy.withIdleness(idleMs);
}
