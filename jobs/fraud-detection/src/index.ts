/**
 * `@sluice/fraud-detection-job`: card fraud detection on Sluice — four event-time rules
 * (small-then-large, velocity, impossible travel, amount anomaly) whose thresholds change at
 * runtime through a broadcast control stream, and a seeded generator that knows which alerts
 * the rules must raise.
 *
 * @example
 * ```ts
 * import { StreamExecutionEnvironment } from '@sluice/core';
 * import { buildFraudDetection, FraudTransactionSource, fraudRules, transactionWatermarks } from '@sluice/fraud-detection-job';
 *
 * const env = StreamExecutionEnvironment.create({ parallelism: 2 });
 * const transactions = env.fromSource(new FraudTransactionSource({ count: 100_000 }), transactionWatermarks(5_000), 'transactions');
 * buildFraudDetection(env, { transactions, rules: fraudRules() }).alerts.print('alert');
 * await env.execute('fraud-detection');
 * ```
 * @packageDocumentation
 */
export {
  FRAUD_DETECTION_ERROR_CODES,
  FraudDetectionError,
  type FraudDetectionErrorCode,
  type FraudDetectionErrorDomain,
} from './errors.ts';
export {
  type Account,
  type Card,
  type Location,
  MERCHANT_CATEGORIES,
  type Merchant,
  type MerchantCategory,
  type Transaction,
} from './transaction.ts';
export {
  ALERT_RULES,
  type Alert,
  type AlertRule,
  type AlertSignature,
  alertSignature,
  compareAlertSignatures,
} from './alert.ts';
export { distanceKm, travelSpeedKmh } from './geo.ts';
export { addAmount, type AmountStats, EMPTY_AMOUNT_STATS, standardDeviation, zScore } from './amount-stats.ts';
export {
  type AmountAnomalyRule as AmountAnomalyRuleConfig,
  applyRulesPatch,
  DEFAULT_FRAUD_RULES,
  type FraudRules,
  type FraudRulesPatch,
  fraudRules,
  type ImpossibleTravelRule as ImpossibleTravelRuleConfig,
  rulesPatchProblems,
  type SmallThenLargeRule as SmallThenLargeRuleConfig,
  type VelocityRule as VelocityRuleConfig,
} from './fraud-rules.ts';
export {
  type FraudDetectionConfig,
  type FraudDetectionConfigInput,
  fraudDetectionConfig,
} from './fraud-detection-config.ts';
export {
  type RuleUpdate,
  ruleUpdateProblems,
  type RulesTimeline,
  type RulesVersion,
  rulesAt,
  rulesTimeline,
  validateRuleUpdate,
  withRuleUpdate,
} from './rule-update.ts';
export { ruleUpdateWatermarks, transactionWatermarks } from './watermarks.ts';
export { LATE_TRANSACTIONS, RULES_STATE } from './rules/event-time-ordered-rule.ts';
export { SmallThenLargeRule } from './rules/small-then-large-rule.ts';
export { VelocityRule } from './rules/velocity-rule.ts';
export { ImpossibleTravelRule } from './rules/impossible-travel-rule.ts';
export { AmountAnomalyRule } from './rules/amount-anomaly-rule.ts';
export {
  buildFraudDetection,
  FRAUD_DETECTION_UIDS,
  type FraudDetectionInputs,
  type FraudDetectionOutputs,
  type RejectedRuleUpdate,
} from './build-fraud-detection.ts';
export type { TransactionGeneratorOptions } from './generator/generator-options.ts';
export { type FraudGeneratorSplit, FraudTransactionSource } from './generator/fraud-transaction-source.ts';
export { type FraudData, generateFraudData } from './generator/generate-fraud-data.ts';
export {
  type AlertSinkKind,
  type FraudDetectionJobParams,
  fraudDetectionJobParams,
} from './fraud-detection-job-params.ts';
export type { FraudDetectionJobOutputs } from './fraud-detection.job.ts';
export { default as fraudDetectionJob } from './fraud-detection.job.ts';
export { FRAUD_DETECTION_JOB_MODULE } from './job-module.ts';
export {
  FRAUD_KAFKA_TOPICS,
  type FraudDetectionKafkaJobParams,
  fraudDetectionKafkaJobParams,
} from './kafka/fraud-detection-kafka-params.ts';
export { ruleUpdateDeserializer, transactionDeserializer, transactionProblems } from './kafka/kafka-json.ts';
export { FRAUD_KAFKA_UIDS } from './kafka/fraud-detection-kafka.job.ts';
export { FRAUD_DETECTION_KAFKA_JOB_MODULE } from './kafka/kafka-job-module.ts';
