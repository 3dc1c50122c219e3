import * as api from '@sluice/fraud-detection-job';
import { expect, it } from 'vitest';

it('exports exactly the documented runtime surface', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'ALERT_RULES',
      'AmountAnomalyRule',
      'DEFAULT_FRAUD_RULES',
      'EMPTY_AMOUNT_STATS',
      'FRAUD_DETECTION_ERROR_CODES',
      'FRAUD_DETECTION_JOB_MODULE',
      'FRAUD_DETECTION_UIDS',
      'FraudDetectionError',
      'FraudTransactionSource',
      'ImpossibleTravelRule',
      'LATE_TRANSACTIONS',
      'MERCHANT_CATEGORIES',
      'RULES_STATE',
      'SmallThenLargeRule',
      'VelocityRule',
      'addAmount',
      'alertSignature',
      'applyRulesPatch',
      'buildFraudDetection',
      'compareAlertSignatures',
      'distanceKm',
      'fraudDetectionConfig',
      'fraudDetectionJob',
      'fraudDetectionJobParams',
      'fraudRules',
      'generateFraudData',
      'ruleUpdateProblems',
      'ruleUpdateWatermarks',
      'rulesAt',
      'rulesPatchProblems',
      'rulesTimeline',
      'standardDeviation',
      'transactionWatermarks',
      'travelSpeedKmh',
      'validateRuleUpdate',
      'withRuleUpdate',
      'zScore',
    ].sort(),
  );
  expect(api.fraudDetectionJob.name).toBe('fraud-detection');
  expect(api.FRAUD_DETECTION_JOB_MODULE.href).toMatch(/fraud-detection\.job\.(ts|js)$/);
});
