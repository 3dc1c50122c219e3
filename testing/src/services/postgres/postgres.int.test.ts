import { checkPostgres, createTestDatabase, skipWithoutService } from '@sluice/testing';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';

describe.skipIf(skipWithoutService('postgres'))('createTestDatabase', () => {
  it('creates a fresh database to use and drops it', async () => {
    await checkPostgres();
    const db = await createTestDatabase('sluice_pg_int');
    const other = await createTestDatabase('sluice_pg_int');
    expect(other.database).not.toBe(db.database);
    try {
      const client = new Client({ connectionString: db.connectionString });
      await client.connect();
      try {
        const current = await client.query<{ name: string }>('SELECT current_database() AS name');
        expect(current.rows[0]?.name).toBe(db.database);
        await client.query('CREATE TABLE offsets (partition int PRIMARY KEY, "offset" bigint NOT NULL)');
        await client.query('INSERT INTO offsets VALUES (0, 42), (1, 7)');
        const rows = await client.query<{ total: string }>('SELECT sum("offset") AS total FROM offsets');
        expect(rows.rows[0]?.total).toBe('49');
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
      await other.drop();
    }
    const admin = new Client({ connectionString: db.connectionString.replace(db.database, 'postgres') });
    await admin.connect();
    try {
      const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
