import {
  CollectionSource,
  type DataStream,
  OutputTag,
  type ProcessFunction,
  type StreamExecutionEnvironment,
} from '@sluice/core';
import type { Alert } from './alert.ts';
import { DEFAULT_FRAUD_RULES, type FraudRules } from './fraud-rules.ts';
import { type RuleUpdate, ruleUpdateProblems } from './rule-update.ts';
import { AmountAnomalyRule } from './rules/amount-anomaly-rule.ts';
import { LATE_TRANSACTIONS, RULES_STATE } from './rules/event-time-ordered-rule.ts';
import { ImpossibleTravelRule } from './rules/impossible-travel-rule.ts';
import { SmallThenLargeRule } from './rules/small-then-large-rule.ts';
import { VelocityRule } from './rules/velocity-rule.ts';
import type { Transaction } from './transaction.ts';
import { ruleUpdateWatermarks } from './watermarks.ts';

/** A rule update that failed validation, with why (the dead-letter output of the control stream). */
export interface RejectedRuleUpdate {
  readonly update: unknown;
  readonly problems: readonly string[];
}

/** The inputs of {@link buildFraudDetection}. */
export interface FraudDetectionInputs {
  /** Payments, with event-time timestamps and watermarks (e.g. {@link transactionWatermarks}). */
  readonly transactions: DataStream<Transaction>;
  /** Runtime rule changes, timestamped by `effectiveTime` (e.g. {@link ruleUpdateWatermarks}); optional. */
  readonly ruleUpdates?: DataStream<RuleUpdate>;
  /** Rules in force until an update changes them (validated, e.g. from {@link fraudRules}); default {@link DEFAULT_FRAUD_RULES}. */
  readonly rules?: FraudRules;
}

/** The outputs of {@link buildFraudDetection}. */
export interface FraudDetectionOutputs {
  /** The alerts of all four rules. */
  readonly alerts: DataStream<Alert>;
  /** Transactions that arrived behind the watermark (not judged). */
  readonly lateTransactions: DataStream<Transaction>;
  /** Rule updates that failed validation (not applied). */
  readonly rejectedRuleUpdates: DataStream<RejectedRuleUpdate>;
}

/** The stable uids of the job's operators (they key state in checkpoints and savepoints). */
export const FRAUD_DETECTION_UIDS = {
  dropLateTransactions: 'drop-late-transactions',
  validateRuleUpdates: 'validate-rule-updates',
  smallThenLarge: 'rule-small-then-large',
  velocity: 'rule-velocity',
  impossibleTravel: 'rule-impossible-travel',
  amountAnomaly: 'rule-amount-anomaly',
} as const;

const REJECTED_RULE_UPDATES = new OutputTag<RejectedRuleUpdate>('rejected-rule-updates');

/**
 * The fraud-detection pipeline, independent of where transactions come from and where alerts go
 * (the embedded job plugs in the generator; a Kafka deployment plugs in topics).
 *
 * Transactions behind the watermark go to `lateTransactions`. Valid rule updates are broadcast to
 * the four rule operators (`rule-small-then-large` and `rule-amount-anomaly` keyed by account,
 * `rule-velocity` and `rule-impossible-travel` keyed by card); invalid ones go to
 * `rejectedRuleUpdates`. Every rule judges a key's transactions in event-time order once the
 * watermark (of transactions and rule updates) has passed them, with the rules in force at their
 * event time, so the alerts are the same whatever the parallelism, arrival order or runtime mode.
 *
 * @example
 * ```ts
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * const transactions = env.fromSource(new FraudTransactionSource({ count: 100_000 }), transactionWatermarks(5_000), 'transactions');
 * const { alerts } = buildFraudDetection(env, { transactions, rules: fraudRules({ velocity: { maxTransactions: 3 } }) });
 * alerts.print('alert');
 * await env.execute('fraud-detection');
 * ```
 */
export function buildFraudDetection(
  env: StreamExecutionEnvironment,
  inputs: FraudDetectionInputs,
): FraudDetectionOutputs {
  const rules = inputs.rules ?? DEFAULT_FRAUD_RULES;
  const uids = FRAUD_DETECTION_UIDS;

  // Lateness is decided once, before the fan-out: what passes here is on time for every rule
  // operator downstream (their watermark can only trail this one).
  const dropLate: ProcessFunction<Transaction, Transaction> = {
    processElement(tx, ctx, out) {
      if (tx.eventTime <= ctx.currentWatermark()) ctx.output(LATE_TRANSACTIONS, tx);
      else out.collect(tx);
    },
  };
  const onTime = inputs.transactions.process(uids.dropLateTransactions, dropLate).uid(uids.dropLateTransactions);

  const updates =
    inputs.ruleUpdates ??
    env.fromSource(new CollectionSource<RuleUpdate>([]), ruleUpdateWatermarks(), 'no-rule-updates');
  const validate: ProcessFunction<RuleUpdate, RuleUpdate> = {
    processElement(update, ctx, out) {
      const problems = ruleUpdateProblems(update);
      if (problems.length === 0) out.collect(update);
      else ctx.output(REJECTED_RULE_UPDATES, { update, problems });
    },
  };
  const validUpdates = updates.process(uids.validateRuleUpdates, validate).uid(uids.validateRuleUpdates);
  const broadcastUpdates = validUpdates.broadcast(RULES_STATE);

  const byAccount = onTime.keyBy((t) => t.accountId);
  const byCard = onTime.keyBy((t) => t.cardId);
  const smallThenLarge = byAccount
    .connect(broadcastUpdates)
    .process<Alert>(uids.smallThenLarge, new SmallThenLargeRule(rules))
    .uid(uids.smallThenLarge);
  const velocity = byCard
    .connect(broadcastUpdates)
    .process<Alert>(uids.velocity, new VelocityRule(rules))
    .uid(uids.velocity);
  const travel = byCard
    .connect(broadcastUpdates)
    .process<Alert>(uids.impossibleTravel, new ImpossibleTravelRule(rules))
    .uid(uids.impossibleTravel);
  const anomaly = byAccount
    .connect(broadcastUpdates)
    .process<Alert>(uids.amountAnomaly, new AmountAnomalyRule(rules))
    .uid(uids.amountAnomaly);

  return {
    alerts: smallThenLarge.union(velocity, travel, anomaly),
    lateTransactions: onTime.getSideOutput(LATE_TRANSACTIONS),
    rejectedRuleUpdates: validUpdates.getSideOutput(REJECTED_RULE_UPDATES),
  };
}
