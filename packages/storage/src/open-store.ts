import { DuckDbStore } from './duckdb/duckdb-store.js';
import type { EventStore } from './event-store.js';
import { maskUrl } from './postgres/postgres-pool.js';
import { PostgresStore } from './postgres/postgres-store.js';

export interface DuckDbLocation {
  kind: 'duckdb';
  /** A file path or `:memory:`. */
  path: string;
}

export interface PostgresLocation {
  kind: 'postgres';
  /** The connection URL as given, password included: hand it to the store only, never to a log. */
  url: string;
  /** How the database is named in logs and status lines: the URL with its password masked. */
  path: string;
}

/** Where the store lives: a DuckDB file (`duckdb`) or a PostgreSQL database (`postgres`). */
export type StoreLocation = DuckDbLocation | PostgresLocation;

const ACCEPTED =
  'a DuckDB file (duckdb:/path/tally.duckdb or a path ending in .duckdb), :memory:, or a PostgreSQL URL ' +
  '(postgres://user:password@host:5432/database)';

/**
 * Reads `TALLY_STORE`: empty → the DuckDB file in the data directory; `:memory:`; `duckdb:<path>` or a bare path
 * ending in `.duckdb`; `postgres://…` or `postgresql://…`. Returns a message saying what is accepted when the
 * value is not understood (with any password masked).
 */
export function parseStoreLocation(value: string | undefined, dataDir: string): StoreLocation | string {
  if (!value) return { kind: 'duckdb', path: `${dataDir.replace(/\/+$/, '')}/tally.duckdb` };
  if (value === ':memory:' || value === 'duckdb::memory:') return { kind: 'duckdb', path: ':memory:' };
  if (value.startsWith('duckdb:')) return { kind: 'duckdb', path: value.slice('duckdb:'.length) };
  if (value.endsWith('.duckdb') && !value.includes('://')) return { kind: 'duckdb', path: value };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `TALLY_STORE is not a valid PostgreSQL URL (${maskUrl(value)}); write it as postgres://user:password@host:5432/database`;
    }
    if (!url.hostname && !url.searchParams.has('host'))
      return `TALLY_STORE names no PostgreSQL host (${maskUrl(value)}); write it as postgres://user:password@host:5432/database`;
    return { kind: 'postgres', url: value, path: maskUrl(value) };
  }
  return scheme
    ? `TALLY_STORE: the ${scheme} backend is not available in this version; use ${ACCEPTED}`
    : `TALLY_STORE must be ${ACCEPTED}; got ${value}`;
}

/**
 * What code outside storage needs to know about a location, so that it never asks which backend it is: whether one
 * process owns it, and the file it lives in on this machine.
 */
export interface StoreFacts {
  /** Only the process that opened it can write it (a DuckDB file or memory): others must go through that process. */
  singleProcess: boolean;
  /** The file holding the data, when there is one on this machine; null for memory and database servers. */
  file: string | null;
  /** How to name it to a user, any password masked: `the PostgreSQL database postgres://u:***@h/db`. */
  described: string;
}

export function storeFacts(location: StoreLocation): StoreFacts {
  if (location.kind === 'postgres') {
    return { singleProcess: false, file: null, described: `the PostgreSQL database ${location.path}` };
  }
  const memory = location.path === ':memory:';
  return {
    singleProcess: true,
    file: memory ? null : location.path,
    described: memory ? 'an in-memory DuckDB database' : `the DuckDB file ${location.path}`,
  };
}

export interface OpenStoreOptions {
  /** DuckDB: its own memory cap, e.g. `256MB`. */
  memoryLimit?: string;
  /** DuckDB: worker threads. */
  threads?: number;
  /** PostgreSQL: connections kept open at most (10 by default). */
  poolSize?: number;
}

export function createStore(location: StoreLocation, options: OpenStoreOptions = {}): EventStore {
  if (location.kind === 'postgres') {
    return new PostgresStore({ url: location.url, ...(options.poolSize ? { poolSize: options.poolSize } : {}) });
  }
  return new DuckDbStore({
    path: location.path,
    ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
}
