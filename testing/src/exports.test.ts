import * as testing from '@sluice/testing';
import { describe, expect, it } from 'vitest';

describe('@sluice/testing public surface', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'DEFAULT_HARNESS_OPERATOR_NAME',
      'DEFAULT_KAFKA_IMAGE',
      'DEFAULT_S3MOCK_IMAGE',
      'HARNESS_SERVICES',
      'OneInputOperatorHarness',
      'OperatorHarness',
      'S3_ENV',
      'SLUICE_TESTING_ERROR_CODES',
      'SluiceTestingError',
      'TwoInputOperatorHarness',
      'checkCrashReplay',
      'checkMqtt',
      'checkPostgres',
      'checkRedis',
      'createTestDatabase',
      'describeError',
      'isCi',
      'mqttTestNamespace',
      'mqttUrl',
      'parsePrometheusText',
      'postgresSettings',
      'postgresUrl',
      'probeContainerRuntime',
      'prometheusCacheDir',
      'recordServiceUnavailable',
      'redisTestPrefix',
      'redisUrl',
      'resolvePrometheusBinary',
      'sampleValue',
      'serviceUnavailableReason',
      'skipWithoutService',
      'startKafka',
      'startPrometheus',
      'startS3',
      'startS3Endpoint',
      'sweepStaleServices',
      'unavailableEnvVar',
      'uniqueGroupId',
      'uniqueName',
      'uniqueTopic',
      'uniqueTransactionalId',
    ]);
  });

  it('exposes the global setup as a default export', async () => {
    const setupModule = await import('@sluice/testing/vitest-global-setup');
    expect(typeof setupModule.default).toBe('function');
  });
});
