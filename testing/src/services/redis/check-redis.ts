import { describeError, SluiceTestingError } from '../../errors.ts';
import { redisUrl } from './redis-settings.ts';

/**
 * Fails fast (default 3 s) with a clear `SERVICE_UNAVAILABLE` error if Redis does not answer PING.
 *
 * @example
 * ```ts
 * beforeAll(() => checkRedis());
 * ```
 */
export async function checkRedis(options: { timeoutMs?: number; url?: string } = {}): Promise<void> {
  const url = options.url ?? redisUrl();
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.timeoutMs ?? 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `Redis is not reachable at ${url} (${describeError(error)}). Start Redis, or set REDIS_URL.`,
      { domain: 'external', retriable: true, cause: error },
    );
  } finally {
    client.disconnect();
  }
}
