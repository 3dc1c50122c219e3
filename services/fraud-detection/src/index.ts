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
  type FraudDetectionSettings,
  fraudDetectionSettings,
} from './fraud-detection-settings.ts';
export { FRAUD_ALERTS_METRIC } from './fraud-alert-metrics.ts';
export { onFraudRuleUpdate } from './fraud-rules-handler.ts';
export {
  fraudDetectionServiceOptions,
  kafkaConnectorMissing,
  startEmbeddedFraudDetection,
} from './fraud-detection-service.ts';
