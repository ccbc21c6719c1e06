import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../storage/src/postgres/test/test-database.js';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../src/serve.js';

export const ADMIN = 'test-admin-token-0123456789';

/** The backends a test server can run on. */
export type TestBackend = 'duckdb' | 'postgres';

/**
 * The backend `startTestServer` uses: DuckDB, or PostgreSQL when `TALLY_TEST_STORE=postgres` runs the server suites
 * against the PostgreSQL server at `TALLY_TEST_POSTGRES_URL` (a fresh database per data directory).
 */
export const TEST_BACKEND: TestBackend = process.env['TALLY_TEST_STORE'] === 'postgres' ? 'postgres' : 'duckdb';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** fetch against the server, JSON in and out. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

export function tempDir(prefix = 'tally-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * PostgreSQL databases of this test file, by data directory: a server started again on the same data directory
 * finds the data it had, as it does on DuckDB. They are dropped when the file's tests are done.
 */
const databases = new Map<string, Promise<TestDatabase>>();
afterAll(async () => {
  const all = [...databases.values()];
  databases.clear();
  await Promise.all(all.map(async (db) => (await db).drop()));
});

/** The PostgreSQL database of a data directory, created empty on first use. */
export function testDatabase(dataDir: string): Promise<TestDatabase> {
  let db = databases.get(dataDir);
  if (!db) {
    db = createTestDatabase();
    databases.set(dataDir, db);
  }
  return db;
}

/** A real server on a free loopback port over a fresh store: DuckDB, or PostgreSQL under TALLY_TEST_STORE. */
export function startTestServer(
  env: Record<string, string> = {},
  dataDir = tempDir(),
  options: ServerOptions = {},
): Promise<TestServer> {
  return startTestServerOn(TEST_BACKEND, env, dataDir, options);
}

/**
 * A real server on a free loopback port over a store of the given backend: a DuckDB file in `dataDir`, or a
 * PostgreSQL database of its own. A `TALLY_STORE` in `env` wins over both.
 */
export async function startTestServerOn(
  backend: TestBackend,
  env: Record<string, string> = {},
  dataDir = tempDir(),
  options: ServerOptions = {},
): Promise<TestServer> {
  const store = backend === 'postgres' && !env['TALLY_STORE'] ? { TALLY_STORE: (await testDatabase(dataDir)).url } : {};
  const config = loadConfig({
    TALLY_PORT: '0',
    TALLY_DATA_DIR: dataDir,
    TALLY_LOG_LEVEL: 'silent',
    TALLY_ADMIN_TOKEN: ADMIN,
    ...store,
    ...env,
  });
  const server = await startServer(config, () => undefined, options);
  return {
    ...server,
    dataDir,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key) headers['authorization'] = `Bearer ${options.key}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const r = await fetch(`${server.url}${path}`, { method, headers, body: body ?? null });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: r.status, body: parsed, headers: r.headers };
    },
  };
}

export const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
