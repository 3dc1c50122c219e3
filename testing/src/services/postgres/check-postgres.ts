import { describeError, SluiceTestingError } from '../../errors.ts';
import { postgresSettings } from './postgres-settings.ts';

/**
 * Fails fast (default 3 s) with a clear `SERVICE_UNAVAILABLE` error if PostgreSQL does not
 * answer `SELECT 1` with the settings from the environment.
 *
 * @example
 * ```ts
 * beforeAll(() => checkPostgres());
 * ```
 */
export async function checkPostgres(options: { timeoutMs?: number } = {}): Promise<void> {
  const settings = postgresSettings();
  const { Client } = await import('pg');
  const client = new Client({
    connectionString: settings.connectionString,
    connectionTimeoutMillis: options.timeoutMs ?? 3_000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `PostgreSQL is not reachable at ${settings.host}:${settings.port} as ${settings.user} (${describeError(error)}). ` +
        'Start PostgreSQL, or point DATABASE_URL or PGHOST/PGPORT/PGUSER/PGPASSWORD at one.',
      { domain: 'external', retriable: true, cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
