/**
 * How to reach PostgreSQL: `DATABASE_URL` if set, else `PGHOST` (127.0.0.1), `PGPORT` (5432),
 * `PGUSER` (postgres), `PGPASSWORD` (none), `PGDATABASE` (postgres, used to create and drop
 * test databases).
 *
 * @example
 * ```ts
 * const { connectionString } = postgresSettings();
 * ```
 */
export interface PostgresSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  /** The maintenance database the harness connects to. */
  database: string;
  /** `postgres://…` URL of `database`. */
  connectionString: string;
}

/**
 * Reads {@link PostgresSettings} from the environment.
 *
 * @example
 * ```ts
 * postgresSettings({ PGHOST: 'db', PGPORT: '5433' }).connectionString; // "postgres://postgres@db:5433/postgres"
 * ```
 */
export function postgresSettings(env: NodeJS.ProcessEnv = process.env): PostgresSettings {
  const url = env['DATABASE_URL'];
  if (url) {
    const parsed = new URL(url);
    return {
      host: decodeURIComponent(parsed.hostname) || '127.0.0.1',
      port: Number(parsed.port || 5432),
      user: decodeURIComponent(parsed.username) || 'postgres',
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
      connectionString: url,
    };
  }
  const settings = {
    host: env['PGHOST'] || '127.0.0.1',
    port: Number(env['PGPORT'] || 5432),
    user: env['PGUSER'] || 'postgres',
    password: env['PGPASSWORD'] || undefined,
    database: env['PGDATABASE'] || 'postgres',
  };
  return { ...settings, connectionString: postgresUrl(settings, settings.database) };
}

/**
 * The `postgres://` URL of another database on the same server.
 *
 * @example
 * ```ts
 * postgresUrl(postgresSettings(), 'sluice_test_1'); // "postgres://postgres@127.0.0.1:5432/sluice_test_1"
 * ```
 */
export function postgresUrl(
  settings: Pick<PostgresSettings, 'host' | 'port' | 'user' | 'password'>,
  database: string,
): string {
  const url = new URL('postgres://placeholder');
  url.hostname = settings.host;
  url.port = String(settings.port);
  url.username = settings.user;
  if (settings.password !== undefined) url.password = settings.password;
  url.pathname = `/${database}`;
  return url.toString();
}
