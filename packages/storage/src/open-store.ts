import { DuckDbStore } from './duckdb/duckdb-store.js';
import type { EventStore } from './event-store.js';

export interface StoreLocation {
  /** `duckdb` for now; `postgres` and `clickhouse` join as their backends land. */
  kind: 'duckdb';
  /** A file path or `:memory:`. */
  path: string;
}

/**
 * Reads `TALLY_STORE`: empty → the DuckDB file in the data directory; `:memory:`; `duckdb:<path>` or a bare path
 * ending in `.duckdb`. Returns a message saying what is accepted when the value is not understood.
 */
export function parseStoreLocation(value: string | undefined, dataDir: string): StoreLocation | string {
  if (!value) return { kind: 'duckdb', path: `${dataDir.replace(/\/+$/, '')}/tally.duckdb` };
  if (value === ':memory:' || value === 'duckdb::memory:') return { kind: 'duckdb', path: ':memory:' };
  if (value.startsWith('duckdb:')) return { kind: 'duckdb', path: value.slice('duckdb:'.length) };
  if (value.endsWith('.duckdb') && !value.includes('://')) return { kind: 'duckdb', path: value };
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1];
  return scheme
    ? `TALLY_STORE: the ${scheme} backend is not available in this version; use a DuckDB file (duckdb:/path/tally.duckdb) or :memory:`
    : `TALLY_STORE must be a DuckDB file (duckdb:/path/tally.duckdb or a path ending in .duckdb) or :memory:; got ${value}`;
}

export interface OpenStoreOptions {
  memoryLimit?: string;
  threads?: number;
}

export function createStore(location: StoreLocation, options: OpenStoreOptions = {}): EventStore {
  return new DuckDbStore({ path: location.path, ...options });
}
