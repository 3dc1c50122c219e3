import { checkRedis, redisTestPrefix, skipWithoutService } from '@sluice/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.skipIf(skipWithoutService('redis'))('redisTestPrefix', () => {
  let redis: Redis;

  beforeAll(async () => {
    await checkRedis();
    redis = new Redis(redisTestPrefix().url);
  });

  afterAll(() => {
    redis?.disconnect();
  });

  it('namespaces keys and cleans up only its own', async () => {
    const mine = redisTestPrefix('redis-int');
    const theirs = redisTestPrefix('redis-int');
    expect(mine.prefix).not.toBe(theirs.prefix);

    await redis.set(mine.key('a'), '1');
    await redis.hset(mine.key('b'), { field: 'value' });
    await redis.set(theirs.key('a'), '2');
    expect(await redis.get(mine.key('a'))).toBe('1');

    expect(await mine.cleanup()).toBe(2);
    expect(await redis.exists(mine.key('a'), mine.key('b'))).toBe(0);
    expect(await redis.get(theirs.key('a'))).toBe('2');

    expect(await theirs.cleanup()).toBe(1);
  });
});
