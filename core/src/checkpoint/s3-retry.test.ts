import { decideRetry, isRetriableS3Error } from '@sluice/core';
import { describe, expect, it } from 'vitest';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 350 };

describe('isRetriableS3Error', () => {
  it.each<[string, unknown, boolean]>([
    ['SlowDown 503', { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, true],
    ['500', { name: 'InternalError', $metadata: { httpStatusCode: 500 } }, true],
    ['429', { name: 'Whatever', $metadata: { httpStatusCode: 429 } }, true],
    ['RequestTimeout (a 400)', { name: 'RequestTimeout', $metadata: { httpStatusCode: 400 } }, true],
    [
      'SDK-marked throttling',
      { name: 'X', $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } },
      true,
    ],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['wrapped network error', new Error('fetch failed', { cause: { code: 'ECONNREFUSED' } }), true],
    ['access denied', { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, false],
    ['no such bucket', { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, false],
    ['a plain error', new Error('bug'), false],
    ['a string', 'boom', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isRetriableS3Error(error)).toBe(expected);
  });
});

describe('decideRetry', () => {
  const slowDown = { name: 'SlowDown', $metadata: { httpStatusCode: 503 } };
  it.each<[number, number, unknown]>([
    [1, 0.5, { action: 'retry', delayMs: 50 }],
    [2, 0.5, { action: 'retry', delayMs: 100 }],
    [3, 0.99, { action: 'retry', delayMs: 346 }], // capped at maxDelayMs 350
    [4, 0.5, { action: 'give-up', reason: 'attempts-exhausted' }],
  ])('attempt %s with random %s', (attempt, random, expected) => {
    expect(decideRetry(slowDown, attempt, policy, random)).toEqual(expected);
  });

  it('gives up at once on a client error', () => {
    expect(decideRetry({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 1, policy, 0.5)).toEqual({
      action: 'give-up',
      reason: 'not-retriable',
    });
  });
});
