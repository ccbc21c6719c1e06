import { Pool, type PoolClient } from 'pg';
import { StoreError } from '../store-error.js';
import { PG_TYPES } from './postgres-rows.js';

export type Params = readonly unknown[];
export type Rows = Record<string, unknown>[];

/** A transaction's connection: statements run one after another on it. */
export interface Tx {
  rows(sql: string, params?: Params): Promise<Rows>;
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  run(sql: string, params?: Params): Promise<number>;
}

/** SQLSTATEs after which a transaction may simply be run again: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const TRIES = 4;

/** The URL as it may be shown: any password replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

function txOf(client: PoolClient): Tx {
  return {
    rows: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as Rows,
    run: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
  };
}

/** The store's connection pool, with the two ways it is used: one statement, or one transaction. */
export class PgPool {
  private pool: Pool | null;

  constructor(url: string, size: number) {
    this.pool = new Pool({ connectionString: url, max: size, types: PG_TYPES, application_name: 'tally' });
    // An idle connection the server drops (restart, failover) is replaced on next use; without a listener the
    // error would end the process.
    this.pool.on('error', () => undefined);
  }

  private get open(): Pool {
    if (!this.pool) throw new StoreError('the PostgreSQL store is closed', { code: 'store_closed' });
    return this.pool;
  }

  async rows(sql: string, params: Params = []): Promise<Rows> {
    return (await this.open.query(sql, params as unknown[])).rows as Rows;
  }

  async run(sql: string, params: Params = []): Promise<number> {
    return (await this.open.query(sql, params as unknown[])).rowCount ?? 0;
  }

  /** A connection of its own for the duration of `fn` (a long export, a migration); released afterwards. */
  async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.open.connect();
    let broken = false;
    try {
      return await fn(client);
    } catch (e) {
      broken = isConnectionError(e);
      throw e;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Runs `fn` in one transaction, committed when it resolves and rolled back when it throws. A deadlock or
   * serialization failure (two writers touching the same rows in another order) runs it again, a few times.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (client) => {
          await client.query('BEGIN');
          try {
            const out = await fn(txOf(client));
            await client.query('COMMIT');
            return out;
          } catch (e) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw e;
          }
        });
      } catch (e) {
        if (attempt >= TRIES || !RETRYABLE.has(sqlState(e) ?? '')) throw e;
      }
    }
  }

  async end(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }
}

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors after which a connection must not go back to the pool. */
function isConnectionError(e: unknown): boolean {
  const code = sqlState(e) ?? '';
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E')) return true; // E…: ECONNRESET and kin
  return /connection terminated|not queryable/i.test((e as Error | null)?.message ?? '');
}
