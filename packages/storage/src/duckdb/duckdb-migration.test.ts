import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { DuckDbStore } from './duckdb-store.js';

/** The projects table as the first release of Tally created it, before the lifecycle settings existed. */
const FIRST_RELEASE_PROJECTS = `CREATE TABLE projects (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
  description VARCHAR, capture_policy VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)`;

it('opens a database file made before projects had retention settings, and adds them', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tally-migrate-')), 'tally.duckdb');
  const old = await DuckDBInstance.create(path);
  const conn = await old.connect();
  await conn.run(FIRST_RELEASE_PROJECTS);
  await conn.run(`INSERT INTO projects VALUES ('legacy', 'Legacy', NULL, 'full', epoch_ms(1700000000000))`);
  conn.closeSync();
  old.closeSync();

  const store = new DuckDbStore({ path });
  await store.init();
  expect(await store.getProject('legacy')).toEqual({
    id: 'legacy',
    name: 'Legacy',
    description: null,
    capture_policy: 'full',
    created_at: 1700000000000,
    retention_days: null,
    max_events: null,
  });
  await store.updateProject('legacy', { retention_days: 14 });
  await store.close();

  const reopened = new DuckDbStore({ path });
  await reopened.init();
  expect(await reopened.getProject('legacy')).toMatchObject({ retention_days: 14, max_events: null });
  await reopened.close();
});
