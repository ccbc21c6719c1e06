import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresDialect as d } from '../postgres-dialect.js';

/** The server the PostgreSQL tests run against: a user that may create databases (trust auth in CI). */
export const TEST_SERVER_URL = process.env['TALLY_TEST_POSTGRES_URL'] || 'postgres://root@127.0.0.1:5432/test';

export interface TestDatabase {
  /** The URL of a database of its own, empty at first. */
  url: string;
  /** Drops it, closing any connection still open to it. */
  drop(): Promise<void>;
}

async function onServer<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  try {
    await client.connect();
  } catch (cause) {
    throw new Error(
      `the PostgreSQL tests need a server at TALLY_TEST_POSTGRES_URL (${TEST_SERVER_URL}) where the user may ` +
        `create databases; start one or point the variable at one: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database `tally_t_<random>` on the test server, so test files never see each other's data. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tally_t_${randomBytes(6).toString('hex')}`;
  await onServer((c) => c.query(`CREATE DATABASE ${d.ident(name)}`));
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${d.ident(name)} WITH (FORCE)`))),
  };
}
