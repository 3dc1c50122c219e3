import { postgresSettings, postgresUrl } from '@sluice/testing';
import { describe, expect, it } from 'vitest';

describe('postgresSettings', () => {
  it('defaults to a local server', () => {
    expect(postgresSettings({})).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: undefined,
      database: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
  });

  it('reads the libpq variables', () => {
    const settings = postgresSettings({
      PGHOST: 'db',
      PGPORT: '5433',
      PGUSER: 'app',
      PGPASSWORD: 'p@ss',
      PGDATABASE: 'admin',
    });
    expect(settings.connectionString).toBe('postgres://app:p%40ss@db:5433/admin');
  });

  it('prefers DATABASE_URL', () => {
    const settings = postgresSettings({ DATABASE_URL: 'postgres://u:s%2Fcret@h:6000/main', PGHOST: 'ignored' });
    expect(settings).toMatchObject({ host: 'h', port: 6000, user: 'u', password: 's/cret', database: 'main' });
    expect(postgresUrl(settings, 'other')).toBe('postgres://u:s%2Fcret@h:6000/other');
  });
});
