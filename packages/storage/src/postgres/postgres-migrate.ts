import type { ClientBase } from 'pg';
import { StoreError } from '../store-error.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** The advisory lock every Tally replica takes to migrate: only one applies migrations at a time. */
const MIGRATION_LOCK = 7_471_736_001;

/**
 * Applies the migrations this database lacks, in order, in one transaction under a transaction-level advisory
 * lock: two replicas starting together take turns, and the second finds nothing left to do. A migration already
 * applied is never run again. A database that holds a migration this version does not know was set up by a newer
 * Tally; it is refused rather than written with an older idea of its schema. Returns the ids applied now.
 */
export async function migrate(client: ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS tally_schema_migrations (id text COLLATE "C" PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set(
      (await client.query<{ id: string }>('SELECT id FROM tally_schema_migrations')).rows.map((r) => r.id),
    );
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...applied].filter((id) => !known.has(id)).sort();
    if (unknown.length > 0) {
      throw new StoreError(
        `this PostgreSQL database has schema migration ${unknown.join(', ')}, which this version of Tally does ` +
          'not know: a newer Tally set it up. Run that version or a later one, or point TALLY_STORE at another database.',
        { code: 'schema_too_new' },
      );
    }
    const ran: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      for (const statement of m.sql) await client.query(statement);
      await client.query('INSERT INTO tally_schema_migrations (id) VALUES ($1)', [m.id]);
      ran.push(m.id);
    }
    await client.query('COMMIT');
    return ran;
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(`migrating the PostgreSQL schema failed: ${(cause as Error).message}`, { cause });
  }
}
