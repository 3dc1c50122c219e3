import {
  isCi,
  recordServiceUnavailable,
  serviceUnavailableReason,
  SluiceTestingError,
  skipWithoutService,
} from '@sluice/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('skipWithoutService', () => {
  it('runs the suite when no failure was recorded', () => {
    vi.stubEnv('SLUICE_TESTING_UNAVAILABLE_REDIS', '');
    vi.stubEnv('CI', 'true');
    expect(skipWithoutService('redis')).toBe(false);
  });

  it('skips outside CI when the global setup recorded a failure', () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('SLUICE_TESTING_UNAVAILABLE_MQTT', 'connection refused');
    expect(serviceUnavailableReason('mqtt')).toBe('connection refused');
    expect(skipWithoutService('mqtt')).toBe(true);
  });

  it('throws under CI instead of skipping', () => {
    vi.stubEnv('CI', 'true');
    vi.stubEnv('SLUICE_TESTING_UNAVAILABLE_KAFKA', '');
    recordServiceUnavailable('kafka', 'Java is not installed\n  (details)');
    expect(serviceUnavailableReason('kafka')).toBe('Java is not installed (details)');
    expect(() => skipWithoutService('kafka')).toThrow(SluiceTestingError);
    expect(() => skipWithoutService('kafka')).toThrow(/may not skip under CI=true/);
  });
});

describe('isCi', () => {
  it.each([
    [{ CI: 'true' }, true],
    [{ CI: '1' }, true],
    [{ CI: 'TRUE' }, true],
    [{ CI: 'false' }, false],
    [{}, false],
  ])('%o → %s', (env, expected) => {
    expect(isCi(env)).toBe(expected);
  });
});
