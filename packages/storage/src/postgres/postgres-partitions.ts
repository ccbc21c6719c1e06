import type { DroppedPartition } from '../event-store.js';
import { sqlState, type PgPool } from './postgres-pool.js';
import { postgresDialect as d } from './postgres-dialect.js';
import { rebuildRollups } from './postgres-rollups.js';
import { EVENT_TABLES, type EventTable } from './postgres-schema.js';

/** The advisory lock taken to create partitions, so that two replicas never create the same one at once. */
const PARTITION_LOCK = 7_471_736_002;
/**
 * Months that get a partition of their own: from ten years back to two months ahead. Older rows (an import of
 * old history) and the odd far-off timestamp go to the DEFAULT partition, so that no batch can make thousands of
 * tables.
 */
const PAST_MONTHS = 120;
const FUTURE_MONTHS = 2;
const NAME = /_p(\d{4})_(\d{2})$/;

/** The first instant (epoch ms) of the UTC month holding `ms`, plus `add` months. */
export function monthStart(ms: number, add = 0): number {
  const t = new Date(ms);
  return Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + add, 1);
}

/** `calls_p2026_10` for the calls of October 2026 (UTC). */
export function partitionName(table: EventTable, month: number): string {
  const t = new Date(month);
  return `${table}_p${t.getUTCFullYear()}_${String(t.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month a partition holds, from its name; null for the DEFAULT partition and any table Tally did not make. */
export function monthOf(name: string): number | null {
  const m = NAME.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, 1) : null;
}

export type { DroppedPartition };

/**
 * Monthly partitions of the event tables: created on demand before a write that needs them, and dropped whole by
 * retention when every row in them has expired.
 */
export class Partitions {
  /** Partitions known to exist, or months known to stay in the DEFAULT partition. */
  private readonly known = new Set<string>();

  constructor(private readonly db: PgPool) {}

  /** Reads the partitions that exist. */
  async load(): Promise<void> {
    this.known.clear();
    for (const name of await this.list()) this.known.add(name);
  }

  private async list(): Promise<string[]> {
    const rows = await this.db.rows(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = ANY(CAST($1 AS regclass[]))`,
      [EVENT_TABLES],
    );
    return rows.map((r) => String(r['name']));
  }

  /** Creates the monthly partitions that rows at these times need, before they are written. */
  async ensure(needs: ReadonlyMap<EventTable, readonly number[]>, now = Date.now()): Promise<void> {
    const first = monthStart(now, -PAST_MONTHS);
    const last = monthStart(now, FUTURE_MONTHS);
    const missing: { table: EventTable; month: number; name: string }[] = [];
    for (const [table, times] of needs) {
      const months = new Set<number>();
      for (const t of times) months.add(monthStart(t));
      for (const month of months) {
        const name = partitionName(table, month);
        if (month >= first && month <= last && !this.known.has(name)) missing.push({ table, month, name });
      }
    }
    if (missing.length === 0) return;
    await this.db.transaction(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const p of missing) {
        const from = d.literal(new Date(p.month).toISOString());
        const to = d.literal(new Date(monthStart(p.month, 1)).toISOString());
        await tx.run('SAVEPOINT partition');
        try {
          await tx.run(
            `CREATE TABLE IF NOT EXISTS ${d.ident(p.name)} PARTITION OF ${d.ident(p.table)}
               FOR VALUES FROM (${from}) TO (${to})`,
          );
          await tx.run('RELEASE SAVEPOINT partition');
        } catch (e) {
          // 23514: the DEFAULT partition already holds rows of that month (written while the month was outside
          // the window). They stay there, and so will the month's later rows: still stored, still found.
          if (sqlState(e) !== '23514') throw e;
          await tx.run('ROLLBACK TO SAVEPOINT partition');
        }
      }
    });
    for (const p of missing) this.known.add(p.name);
  }

  /**
   * Retention by whole partitions, far cheaper than deleting row by row. The rule: a monthly partition is
   * dropped when its month ends at or before the cut of every project that has rows in it, and before the latest
   * cut given (so an empty partition of the current month stays). `cuts` maps a project to the instant before
   * which its data expires; a project that is not in it keeps everything, so any of its rows keep the partition.
   * Rows of projects with later cuts, and the DEFAULT partition, are left to the per-project DELETE of
   * `deleteBefore`.
   *
   * Each drop runs in its own transaction: the partition is locked against writes (SHARE) while its projects are
   * counted, then dropped. Another replica that still believes the partition exists writes that month's rows into
   * the DEFAULT partition, where they are kept.
   */
  async dropExpired(cuts: ReadonlyMap<string, number>): Promise<DroppedPartition[]> {
    const latest = Math.max(-Infinity, ...cuts.values());
    const dropped: DroppedPartition[] = [];
    for (const name of await this.list()) {
      const month = monthOf(name);
      if (month === null) continue;
      const end = monthStart(month, 1);
      if (end > latest) continue;
      const table = EVENT_TABLES.find((t) => name.startsWith(`${t}_p`));
      if (!table) continue;
      const counted = await this.db.transaction(async (tx) => {
        await tx.run(`SET LOCAL lock_timeout = '10s'`);
        try {
          await tx.run(`LOCK TABLE ${d.ident(name)} IN SHARE MODE`);
        } catch (e) {
          // 42P01: another replica's sweep dropped it since it was listed.
          if (sqlState(e) === '42P01') return null;
          throw e;
        }
        const rows = await tx.rows(`SELECT project_id, count(*) AS n FROM ${d.ident(name)} GROUP BY project_id`);
        const expired = rows.every((p) => {
          const cut = cuts.get(String(p['project_id']));
          return cut !== undefined && end <= cut;
        });
        if (!expired) return null;
        await tx.run(`DROP TABLE ${d.ident(name)}`);
        // Dropping a table fires no trigger: the month's rollups are recomputed from what is left of it (rows
        // of that month in the DEFAULT partition).
        if (table === 'calls' && rows.length > 0) {
          const projects = rows.map((p) => String(p['project_id']));
          for (const s of rebuildRollups(month, end, projects)) await tx.run(s.sql, s.params);
        }
        return rows;
      });
      if (counted === null) continue;
      this.known.delete(name);
      const projects: Record<string, number> = {};
      for (const p of counted) projects[String(p['project_id'])] = Number(p['n']);
      const rows = Object.values(projects).reduce((a, b) => a + b, 0);
      dropped.push({ table, partition: name, rows, projects });
    }
    return dropped;
  }
}
