import type { AgentRun, AppLog, CallEvent, Interval, MetricPoint, QueryRow, QuerySpec } from '@tally/core';
import { CALL_COLUMNS, LOG_COLUMNS, type Column } from '../columns.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { dedupe, duplicatePositions, recordKey } from '../dedupe.js';
import {
  MAX_PAGE,
  type CallExport,
  type EventFilter,
  type EventPage,
  type EventStore,
  type ExportFormat,
  type ExportOptions,
  type ExportSelection,
  type LogFilter,
  type StoreStats,
  type WriteBatch,
  type WriteResult,
} from '../event-store.js';
import { binder, compileBuckets, compileQuery, finishRows, whereSql } from '../query-compiler.js';
import { StoreError } from '../store-error.js';
import { PgAlerting } from './postgres-alerting.js';
import { postgresDialect as d } from './postgres-dialect.js';
import { openPgExport } from './postgres-export.js';
import { linkAgentRuns, linkScope } from './postgres-links.js';
import { deleteProjectData } from './postgres-metadata.js';
import { migrate } from './postgres-migrate.js';
import { Partitions, type DroppedPartition } from './postgres-partitions.js';
import { PgPool, maskUrl } from './postgres-pool.js';
import { rollupQuery } from './postgres-rollups.js';
import { fromPgRow } from './postgres-rows.js';
import { EVENT_TABLES, TABLES, insertParams, insertSql, selectList, type EventTable } from './postgres-schema.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database`; the password is never logged nor put in an error. */
  url: string;
  /** Connections the store keeps open at most (10 by default). */
  poolSize?: number;
}

/** The oldest PostgreSQL Tally runs on: `date_bin` and an exact EXTRACT(EPOCH …) arrived in version 14. */
const MIN_SERVER_VERSION = 140000;
const CALL_SELECT = selectList(CALL_COLUMNS);
const INSERT_CALLS = insertSql('calls', true);
const INSERTS = Object.fromEntries(EVENT_TABLES.map((t) => [t, insertSql(t)])) as Record<EventTable, string>;
const at = (n: number) => d.fromEpochMs(d.param(n));

type Keyed = { project_id: string; id: string; timestamp: number };

/** Records in key order: two writers inserting overlapping batches take their row locks in the same order. */
function byKey<T extends Keyed>(records: T[]): T[] {
  return records.sort((a, b) =>
    a.project_id !== b.project_id
      ? a.project_id < b.project_id
        ? -1
        : 1
      : a.id !== b.id
        ? a.id < b.id
          ? -1
          : 1
        : a.timestamp - b.timestamp,
  );
}

/**
 * The production backend on a PostgreSQL server (`TALLY_STORE=postgres://…`), for one replica or several: every
 * statement goes through a pool, every value is a bound parameter, and a batch is one transaction (one `unnest`
 * INSERT per table, then the agent-run links), committed with PostgreSQL's synchronous commit before `write()`
 * resolves. The schema is versioned (migrations/) and applied at `init()`; event tables are partitioned by month.
 */
export class PostgresStore extends PgAlerting implements EventStore {
  readonly kind = 'postgres';
  private partitions: Partitions | null = null;

  constructor(private readonly options: PostgresStoreOptions) {
    super();
  }

  /** The database, as it may be shown: its URL with the password masked. */
  get location(): string {
    return maskUrl(this.options.url);
  }

  async init(): Promise<void> {
    const pool = new PgPool(this.options.url, Math.max(1, Math.trunc(this.options.poolSize ?? 10)));
    try {
      await pool.withClient(async (client) => {
        const [row] = (await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows;
        const version = Number(row?.v ?? 0);
        if (version < MIN_SERVER_VERSION) {
          throw new StoreError(
            `Tally needs PostgreSQL 14 or newer; this server is version ${Math.floor(version / 10000)}. Upgrade it, or use another database.`,
            { code: 'unsupported_server' },
          );
        }
        await migrate(client);
      });
      const partitions = new Partitions(pool);
      await partitions.load();
      this.partitions = partitions;
      this.db = pool;
    } catch (cause) {
      await pool.end().catch(() => undefined);
      const reason = cause instanceof StoreError ? cause.message : (cause as Error).message;
      throw new StoreError(`cannot open the PostgreSQL database ${this.location}: ${reason}`, {
        cause,
        code: cause instanceof StoreError ? cause.code : 'store_unavailable',
      });
    }
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    const pool = this.db;
    this.db = null;
    this.partitions = null;
    await pool.end();
  }

  async ping(): Promise<void> {
    await this.db.rows('SELECT count(*) AS n FROM projects');
  }

  async write(batch: WriteBatch): Promise<WriteResult> {
    const db = this.db;
    const calls = byKey(dedupe<CallEvent>(batch.calls ?? []));
    const runs = byKey(dedupe<AgentRun>(batch.runs ?? []));
    const parts: [EventTable, readonly Keyed[]][] = (
      [
        ['calls', calls],
        ['app_logs', byKey(dedupe<AppLog>(batch.logs ?? []))],
        ['metric_points', byKey(dedupe<MetricPoint>(batch.metrics ?? []))],
        ['agent_runs', runs],
      ] as [EventTable, Keyed[]][]
    ).filter(([, records]) => records.length > 0);
    const links = linkScope(calls, runs);
    try {
      await this.partitions!.ensure(new Map(parts.map(([t, records]) => [t, records.map((r) => r.timestamp)])));
      const { counts, written } = await db.transaction(async (tx) => {
        const counts: Partial<Record<EventTable, number>> = {};
        const written: string[] = [];
        for (const [table, records] of parts) {
          if (table === 'calls') {
            const keys = await tx.rows(INSERT_CALLS, insertParams(table, records));
            for (const k of keys)
              written.push(
                recordKey({ project_id: String(k['project_id']), id: String(k['id']), timestamp: Number(k['ts']) }),
              );
            counts[table] = keys.length;
          } else {
            counts[table] = await tx.run(INSERTS[table], insertParams(table, records));
          }
        }
        if (links) await linkAgentRuns(tx, links);
        return { counts, written };
      });
      return {
        calls: counts.calls ?? 0,
        logs: counts.app_logs ?? 0,
        metrics: counts.metric_points ?? 0,
        runs: counts.agent_runs ?? 0,
        duplicateCalls: duplicatePositions(batch.calls ?? [], written),
      };
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`writing a batch to PostgreSQL failed: ${(cause as Error).message}`, { cause });
    }
  }

  async query(spec: QuerySpec): Promise<QueryRow[]> {
    const { sql, params } = rollupQuery(spec) ?? compileQuery(spec, d);
    return finishRows(await this.db.rows(sql, params), spec);
  }

  async buckets(from: number, to: number, interval: Interval, tz: string): Promise<number[]> {
    const { sql, params } = compileBuckets(from, to, interval, tz, d);
    return (await this.db.rows(sql, params)).map((r) => Number(r['bucket']));
  }

  async events(filter: EventFilter): Promise<EventPage> {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_PAGE));
    const asc = filter.order === 'asc';
    const { params, bind } = binder(d);
    let where = whereSql(filter, d, bind);
    if (filter.cursor) {
      const c = decodeCursor(filter.cursor);
      if (!c)
        throw new StoreError('the cursor is not one this server issued; start again without it', {
          code: 'bad_cursor',
        });
      where += ` AND ("timestamp", id) ${asc ? '>' : '<'} (${d.fromEpochMs(bind(c[0]))}, ${bind(c[1])})`;
    }
    const dir = asc ? 'ASC' : 'DESC';
    const rows = await this.db.rows(
      `SELECT ${CALL_SELECT} FROM calls WHERE ${where} ORDER BY "timestamp" ${dir}, id ${dir} LIMIT ${Math.trunc(limit) + 1}`,
      params,
    );
    const events = rows.slice(0, limit).map((r) => fromPgRow<CallEvent>(CALL_COLUMNS, r));
    const last = events[events.length - 1];
    return { events, next_cursor: rows.length > limit && last ? encodeCursor(last.timestamp, last.id) : null };
  }

  async getEvent(projectId: string, id: string): Promise<CallEvent | null> {
    const [row] = await this.db.rows(
      `SELECT ${CALL_SELECT} FROM calls WHERE project_id = $1 AND id = $2 ORDER BY "timestamp" LIMIT 1`,
      [projectId, id],
    );
    return row ? fromPgRow<CallEvent>(CALL_COLUMNS, row) : null;
  }

  async logs(filter: LogFilter): Promise<AppLog[]> {
    const { params, bind } = binder(d);
    const where = [`project_id = ${bind(filter.projectId)}`];
    if (filter.from !== undefined) where.push(`"timestamp" >= ${d.fromEpochMs(bind(filter.from))}`);
    if (filter.to !== undefined) where.push(`"timestamp" < ${d.fromEpochMs(bind(filter.to))}`);
    if (filter.level !== undefined) where.push(`level = ${bind(filter.level)}`);
    const limit = Math.max(1, Math.min(Math.trunc(filter.limit), MAX_PAGE));
    const rows = await this.db.rows(
      `SELECT ${selectList(LOG_COLUMNS)} FROM app_logs WHERE ${where.join(' AND ')}
         ORDER BY "timestamp" DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => fromPgRow<AppLog>(LOG_COLUMNS, r));
  }

  async deleteBefore(projectId: string, before: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      let n = 0;
      for (const table of EVENT_TABLES)
        n += await tx.run(`DELETE FROM ${d.ident(table)} WHERE project_id = $1 AND "timestamp" < ${at(2)}`, [
          projectId,
          before,
        ]);
      return n;
    });
  }

  /**
   * Retention by whole monthly partitions, for the retention sweep to call before its per-project
   * `deleteBefore`: drops each partition whose rows have all expired for their projects (`cuts`: project id →
   * the instant before which its data goes; see Partitions.dropExpired for the rule). What it leaves, the DELETEs
   * remove.
   */
  async dropExpiredPartitions(cuts: ReadonlyMap<string, number>): Promise<DroppedPartition[]> {
    if (!this.partitions) throw new StoreError('the PostgreSQL store is not open', { code: 'store_closed' });
    return this.partitions.dropExpired(cuts);
  }

  async clear(projectId: string): Promise<number> {
    return this.db.transaction((tx) => deleteProjectData(tx, projectId));
  }

  async trimCalls(projectId: string, keep: number): Promise<number> {
    if (keep < 1) return this.db.run('DELETE FROM calls WHERE project_id = $1', [projectId]);
    // Everything older than the keep-th newest call; no such call (fewer than `keep`) compares as NULL: no row.
    return this.db.run(
      `DELETE FROM calls WHERE project_id = $1 AND ("timestamp", id) < (SELECT "timestamp", id FROM calls
         WHERE project_id = $1 ORDER BY "timestamp" DESC, id DESC LIMIT 1 OFFSET $2)`,
      [projectId, Math.trunc(keep) - 1],
    );
  }

  async stats(projectId?: string): Promise<StoreStats> {
    const where = projectId === undefined ? '' : 'WHERE project_id = $1';
    const [row] = await this.db.rows(
      `SELECT (SELECT count(*) FROM calls ${where}) AS calls, (SELECT count(*) FROM app_logs ${where}) AS logs,
              (SELECT count(*) FROM metric_points ${where}) AS metrics`,
      projectId === undefined ? [] : [projectId],
    );
    return {
      calls: Number(row?.['calls'] ?? 0),
      logs: Number(row?.['logs'] ?? 0),
      metrics: Number(row?.['metrics'] ?? 0),
    };
  }

  async exportCalls(selection: ExportSelection, format: ExportFormat, options?: ExportOptions): Promise<CallExport> {
    try {
      return await openPgExport(this.db, selection, format, options);
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`exporting calls from PostgreSQL failed: ${(cause as Error).message}`, { cause });
    }
  }

  /** Logs and metrics, newest first; used by the status page and tests. */
  async recent<T>(table: 'app_logs' | 'metric_points', projectId: string, limit: number): Promise<T[]> {
    const columns: readonly Column[] = TABLES[table];
    const rows = await this.db.rows(
      `SELECT ${selectList(columns)} FROM ${d.ident(table)} WHERE project_id = $1
         ORDER BY "timestamp" DESC, id DESC LIMIT ${Math.trunc(limit)}`,
      [projectId],
    );
    return rows.map((r) => fromPgRow<T>(columns, r));
  }
}
