import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '../store-contract.js';
import { DuckDbStore } from './duckdb-store.js';

const open = async (path: string) => {
  const store = new DuckDbStore({ path });
  await store.init();
  return store;
};

runStoreContract('duckdb in memory', () => open(':memory:'));

const file = join(mkdtempSync(join(tmpdir(), 'tally-duckdb-')), 'tally.duckdb');
runStoreContract('duckdb file', () => open(file), { reopen: () => open(file) });
