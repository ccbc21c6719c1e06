import { afterAll } from 'vitest';
import { runStoreContract } from '../store-contract.js';
import { PostgresStore } from './postgres-store.js';
import { createTestDatabase, type TestDatabase } from './test/test-database.js';

let database: TestDatabase | null = null;

const open = async () => {
  database ??= await createTestDatabase();
  const store = new PostgresStore({ url: database.url, poolSize: 4 });
  await store.init();
  return store;
};

// `reopen` opens a new pool on the same database: what was acknowledged is there.
runStoreContract('postgres', open, { reopen: open });

afterAll(async () => {
  await database?.drop();
});
