/**
 * The Redis URL: `REDIS_URL`, else `redis://127.0.0.1:6379`.
 *
 * @example
 * ```ts
 * const redis = new Redis(redisUrl());
 * ```
 */
export function redisUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['REDIS_URL'] || 'redis://127.0.0.1:6379';
}
