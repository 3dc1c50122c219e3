/**
 * `@sluice/fraud-detection-service`: the fraud-detection job as a NestJS microservice (the
 * default `npm start`), built on `@sluice/job-service`.
 *
 * @example
 * ```ts
 * import { bootstrapJobService } from '@sluice/job-service';
 * import { fraudDetectionServiceOptions } from '@sluice/fraud-detection-service';
 * await bootstrapJobService(fraudDetectionServiceOptions(process.env));
 * ```
 * @packageDocumentation
 */
export {
  FRAUD_DETECTION_SERVICE_ERROR_CODES,
  FraudDetectionServiceError,
  type FraudDetectionServiceErrorCode,
} from './errors.ts';
export {
  FRAUD_DETECTION_ENV,
  type FraudDetectionKafkaSettings,
  type FraudDetectionSettings,
  fraudDetectionSettings,
} from './fraud-detection-settings.ts';
export { FRAUD_ALERTS_METRIC, FRAUD_RULE_UPDATES_METRIC } from './fraud-alert-metrics.ts';
export { onFraudRuleUpdate } from './fraud-rules-handler.ts';
export { currentRuleTime, LiveRuleUpdates } from './live-rule-updates.ts';
export { checkFraudKafkaTopics, fraudKafkaTopics } from './kafka/fraud-kafka-topics.ts';
export {
  flushEventTime,
  inEventTimeOrder,
  type ProduceTransactionsOptions,
  produceTransactions,
} from './kafka/fraud-transactions-producer.ts';
export { readCommittedAlerts } from './kafka/read-alerts.ts';
export {
  fraudDetectionServiceOptions,
  startKafkaFraudDetection,
  startEmbeddedFraudDetection,
} from './fraud-detection-service.ts';
