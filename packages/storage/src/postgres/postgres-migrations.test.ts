import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations/index.js';
import { migrate } from './postgres-migrate.js';
import { PHYSICAL, TABLES } from './postgres-schema.js';
import { PostgresStore } from './postgres-store.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

describe('PostgreSQL schema migrations', () => {
  let database: TestDatabase;
  let client: pg.Client;
  const applied = async () =>
    (await client.query('SELECT id, applied_at FROM tally_schema_migrations ORDER BY id')).rows as {
      id: string;
      applied_at: Date;
    }[];
  const open = async () => {
    const store = new PostgresStore({ url: database.url, poolSize: 2 });
    await store.init();
    return store;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('sets up an empty database once, even when two replicas start together', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const first = await applied();
    expect(first.map((m) => m.id)).toEqual(MIGRATIONS.map((m) => m.id));
    await a.createProject({ id: 'kept', name: 'Kept', description: null, capture_policy: 'full', created_at: 1 });
    await Promise.all([a.close(), b.close()]);

    // A later start finds nothing to do: no migration runs again, and the data is untouched.
    const again = await open();
    expect(await applied()).toEqual(first);
    expect((await again.getProject('kept'))?.name).toBe('Kept');
    await again.close();
    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    try {
      expect(await migrate(direct)).toEqual([]);
    } finally {
      await direct.end();
    }
  });

  it('creates the event tables with exactly the columns of the records they hold', async () => {
    for (const [table, columns] of Object.entries(TABLES)) {
      const { rows } = await client.query(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 AND column_name <> 'inherited'
          ORDER BY ordinal_position`,
        [table],
      );
      expect(rows, table).toEqual(
        columns.map((c) => ({
          column_name: c.name,
          data_type: PHYSICAL[c.type],
          is_nullable: c.notNull ? 'NO' : 'YES',
        })),
      );
    }
  });

  it('refuses a database that a newer Tally migrated, and says what to do', async () => {
    await client.query(`INSERT INTO tally_schema_migrations (id) VALUES ('9999_from_the_future')`);
    try {
      await expect(open()).rejects.toThrow(
        /schema migration 9999_from_the_future, which this version of Tally does not know: a newer Tally set it up/,
      );
      expect((await applied()).map((m) => m.id)).toContain('9999_from_the_future');
    } finally {
      await client.query(`DELETE FROM tally_schema_migrations WHERE id = '9999_from_the_future'`);
    }
    const store = await open();
    await store.close();
  });
});
