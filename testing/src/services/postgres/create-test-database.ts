import { SluiceTestingError } from '../../errors.ts';
import { uniqueName } from '../../unique-name.ts';
import { postgresSettings, postgresUrl } from './postgres-settings.ts';

/**
 * A database of its own for one test.
 *
 * @example
 * ```ts
 * const db = await createTestDatabase();
 * const client = new Client({ connectionString: db.connectionString });
 * ```
 */
export interface TestDatabase {
  /** `postgres://…` URL of the new database. */
  connectionString: string;
  database: string;
  /** Drops the database (disconnecting its sessions). Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database (`<prefix>_<pid>_<n>_<random>`) on the PostgreSQL
 * from the environment (see `postgresSettings`).
 *
 * @example
 * ```ts
 * const db = await createTestDatabase('orders');
 * try { ... } finally { await db.drop(); }
 * ```
 */
export async function createTestDatabase(prefix = 'sluice_test'): Promise<TestDatabase> {
  const settings = postgresSettings();
  const database = uniqueName(prefix, { separator: '_', maxLength: 63 });
  await runAdminStatement(`CREATE DATABASE ${quoteIdentifier(database)}`, `create database ${database}`);
  let dropped: Promise<void> | undefined;
  return {
    connectionString: postgresUrl(settings, database),
    database,
    drop: () => {
      dropped ??= runAdminStatement(
        `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`,
        `drop database ${database}`,
      );
      return dropped;
    },
  };
}

async function runAdminStatement(sql: string, what: string): Promise<void> {
  const settings = postgresSettings();
  const { Client } = await import('pg');
  const client = new Client({ connectionString: settings.connectionString, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `Could not ${what} on PostgreSQL at ${settings.host}:${settings.port} as ${settings.user}. ` +
        'The user needs the CREATEDB privilege; set DATABASE_URL or PGHOST/PGPORT/PGUSER/PGPASSWORD.',
      { domain: 'external', retriable: true, cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
