import * as api from '@sluice/fraud-detection-service';
import { expect, it } from 'vitest';

it('exports exactly the documented runtime surface', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'FRAUD_ALERTS_METRIC',
      'FRAUD_RULE_UPDATES_METRIC',
      'LiveRuleUpdates',
      'currentRuleTime',
      'FRAUD_DETECTION_ENV',
      'FRAUD_DETECTION_SERVICE_ERROR_CODES',
      'FraudDetectionServiceError',
      'fraudDetectionServiceOptions',
      'fraudDetectionSettings',
      'checkFraudKafkaTopics',
      'flushEventTime',
      'fraudKafkaTopics',
      'inEventTimeOrder',
      'produceTransactions',
      'readCommittedAlerts',
      'startKafkaFraudDetection',
      'onFraudRuleUpdate',
      'startEmbeddedFraudDetection',
    ].sort(),
  );
});
