import { decideOnCheckpointFailure, decideRestart, decideTrigger, RestartStrategies } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const base = { intervalMs: 1000, minPauseMs: 0, maxConcurrent: 1, inProgress: 0, lastTriggeredAt: 0, lastEndedAt: 0 };

describe('checkpoint trigger decisions', () => {
  it.each([
    ['first checkpoint triggers at once', { ...base, now: 5, lastTriggeredAt: undefined }, { action: 'trigger' }],
    ['waits for the interval', { ...base, now: 400 }, { action: 'wait', ms: 600 }],
    ['triggers when the interval passed', { ...base, now: 1000 }, { action: 'trigger' }],
    ['never more than maxConcurrent', { ...base, now: 5000, inProgress: 1 }, { action: 'wait', ms: 1000 }],
    [
      'min pause after the last one ended',
      { ...base, now: 1000, minPauseMs: 500, lastEndedAt: 900 },
      { action: 'wait', ms: 400 },
    ],
    ['two concurrent allowed', { ...base, now: 1000, maxConcurrent: 2, inProgress: 1 }, { action: 'trigger' }],
  ] as const)('%s', (_name, inputs, expected) => {
    expect(decideTrigger(inputs)).toEqual(expected);
  });

  it('fails the job after more consecutive failures than tolerated', () => {
    expect(decideOnCheckpointFailure(0, 0)).toEqual({ action: 'fail-job', consecutiveFailures: 1 });
    expect(decideOnCheckpointFailure(1, 3)).toEqual({ action: 'continue', consecutiveFailures: 2 });
    expect(decideOnCheckpointFailure(3, 3)).toEqual({ action: 'fail-job', consecutiveFailures: 4 });
  });
});

describe('restart strategies', () => {
  it('fixed delay restarts a fixed number of times', () => {
    const s = RestartStrategies.fixedDelay(2, 500);
    expect(decideRestart(s, [], 10)).toEqual({ action: 'restart', delayMs: 500 });
    expect(decideRestart(s, [1], 10)).toEqual({ action: 'restart', delayMs: 500 });
    expect(decideRestart(s, [1, 2], 10).action).toBe('fail');
  });

  it('exponential backoff doubles up to the maximum and resets after a quiet period', () => {
    const s = RestartStrategies.exponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, resetAfterMs: 10_000 });
    expect(decideRestart(s, [], 0)).toEqual({ action: 'restart', delayMs: 100 });
    expect(decideRestart(s, [0], 1)).toEqual({ action: 'restart', delayMs: 200 });
    expect(decideRestart(s, [0, 1, 2, 3, 4], 5)).toEqual({ action: 'restart', delayMs: 1000 });
    expect(decideRestart(s, [0, 1, 2], 100_000)).toEqual({ action: 'restart', delayMs: 100 });
  });

  it('failure rate allows at most N failures per interval', () => {
    const s = RestartStrategies.failureRate(2, 60_000, 50);
    expect(decideRestart(s, [1_000], 2_000)).toEqual({ action: 'restart', delayMs: 50 });
    expect(decideRestart(s, [1_000, 1_500], 2_000).action).toBe('fail');
    expect(decideRestart(s, [1_000, 1_500], 70_000)).toEqual({ action: 'restart', delayMs: 50 });
  });

  it('none never restarts, and bad settings fail fast', () => {
    expect(decideRestart(RestartStrategies.none(), [], 0).action).toBe('fail');
    expect(() => RestartStrategies.fixedDelay(-1, 0)).toThrow(/attempts must be an integer/);
  });
});
