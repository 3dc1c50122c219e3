import * as api from '@sluice/job-service';
import { expect, it } from 'vitest';

it('exports exactly the documented runtime surface', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'JOB_SERVICE_DEFAULTS',
      'JOB_SERVICE_ENV',
      'JOB_SERVICE_ERROR_CODES',
      'JOB_SERVICE_TOKENS',
      'JobLifecycle',
      'JobServiceError',
      'JobServiceModule',
      'METRIC_LABELS',
      'METRIC_NAMES',
      'PROBLEM_JSON',
      'bootstrapJobService',
      'connectKafkaTransport',
      'jobControlCommandOf',
      'jobServiceConfig',
      'judgeReadiness',
      'metricNameProblems',
      'problemOf',
      'savepointRequestOf',
      'stopRequestOf',
    ].sort(),
  );
});
