import {
  JobServiceError,
  jobControlCommandOf,
  metricNameProblems,
  savepointRequestOf,
  stopRequestOf,
} from '@sluice/job-service';
import { describe, expect, it } from 'vitest';

describe('control requests', () => {
  it('parses control commands', () => {
    expect(jobControlCommandOf({ command: 'savepoint' })).toEqual({ command: 'savepoint', job: undefined });
    expect(jobControlCommandOf({ command: 'stop', drain: true, job: 'fraud-detection' })).toEqual({
      command: 'stop',
      drain: true,
      job: 'fraud-detection',
    });
    expect(jobControlCommandOf({ command: 'stop' })).toEqual({ command: 'stop', drain: false, job: undefined });
  });

  it.each([
    ['not json', 'JSON object'],
    [[1], 'JSON object'],
    [{ command: 'restart' }, 'command must be'],
    [{ command: 'stop', drain: 1 }, 'drain must be'],
    [{ command: 'savepoint', drain: true }, 'Unknown field'],
    [{ command: 'savepoint', job: '' }, 'job must be'],
  ])('rejects %j', (payload, words) => {
    expect(() => jobControlCommandOf(payload)).toThrow(JobServiceError);
    expect(() => jobControlCommandOf(payload)).toThrow(words);
  });

  it('validates HTTP bodies', () => {
    expect(stopRequestOf(undefined)).toEqual({ drain: false });
    expect(stopRequestOf({})).toEqual({ drain: false });
    expect(() => stopRequestOf({ drain: 'true' })).toThrow('drain must be true or false');
    expect(() => savepointRequestOf({})).not.toThrow();
    expect(() => savepointRequestOf({ id: 'x' })).toThrow('"id"');
  });

  it('checks metric names by Prometheus conventions', () => {
    expect(metricNameProblems('sluice_fraud_alerts_total', 'counter', ['rule'])).toEqual([]);
    expect(metricNameProblems('sluice_fraud_alerts', 'counter', [])).toEqual([
      'sluice_fraud_alerts: counter names end in _total',
    ]);
    expect(metricNameProblems('fraud_alerts_total', 'counter', [])[0]).toContain('start with sluice_');
    expect(metricNameProblems('sluice_lag_total', 'gauge', ['__x'])).toHaveLength(2);
  });
});
