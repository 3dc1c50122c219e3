import { uniqueName } from '../../unique-name.ts';
import { redisUrl } from './redis-settings.ts';

/**
 * A key namespace of its own for one test.
 *
 * @example
 * ```ts
 * const ns = redisTestPrefix();
 * await redis.set(ns.key('counter'), 1);
 * await ns.cleanup();
 * ```
 */
export interface RedisTestPrefix {
  /** Redis URL from the environment (`REDIS_URL`). */
  url: string;
  /** Every key of the test starts with this (`sluice-test:<unique>:`). */
  prefix: string;
  /** `prefix + name`. */
  key(name: string): string;
  /** Deletes every key under the prefix; resolves to how many were deleted. */
  cleanup(): Promise<number>;
}

/**
 * A unique key prefix plus a cleanup that deletes the keys under it (SCAN + DEL, so it never
 * touches other tests' keys).
 *
 * @example
 * ```ts
 * const ns = redisTestPrefix('sessions');
 * afterEach(() => ns.cleanup());
 * ```
 */
export function redisTestPrefix(name = 'sluice-test'): RedisTestPrefix {
  const url = redisUrl();
  const prefix = `${uniqueName(name)}:`;
  return {
    url,
    prefix,
    key: (key) => `${prefix}${key}`,
    cleanup: () => deleteKeysWithPrefix(url, prefix),
  };
}

async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    await client.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}
