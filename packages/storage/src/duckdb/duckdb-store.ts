import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { AgentRun, AppLog, CallEvent, Interval, MetricPoint, QueryRow, QuerySpec } from '@tally/core';
import { CALL_COLUMNS, LOG_COLUMNS, type Column } from '../columns.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { dedupe, duplicatePositions, recordKey } from '../dedupe.js';
import type {
  CallExport,
  EventFilter,
  EventPage,
  EventStore,
  ExportFormat,
  ExportOptions,
  ExportSelection,
  LogFilter,
  StoreStats,
  WriteBatch,
  WriteResult,
} from '../event-store.js';
import { StoreError } from '../store-error.js';
import { MAX_PAGE } from '../event-store.js';
import { binder, compileBuckets, compileQuery, finishRows, whereSql } from '../query-compiler.js';
import { DuckDbAlerting } from './duckdb-alerting.js';
import { EXPORT_FILE_PREFIX, openExport } from './duckdb-export.js';
import { duckdbDialect } from './duckdb-dialect.js';
import { linkAgentRuns, linkScope } from './duckdb-links.js';
import { fromDuckRow, sparseCopier } from './duckdb-rows.js';
import { DUCKDB_SCHEMA, TABLES, insertBatch, selectList } from './duckdb-schema.js';

export interface DuckDbStoreOptions {
  /** Database file, or `:memory:`. */
  path: string;
  /** DuckDB's own memory cap, e.g. `256MB`. */
  memoryLimit?: string;
  threads?: number;
}

const CALL_SELECT = selectList(CALL_COLUMNS);
const SPARSE = {
  calls: sparseCopier(TABLES.calls),
  app_logs: sparseCopier(TABLES.app_logs),
  metric_points: sparseCopier(TABLES.metric_points),
  agent_runs: sparseCopier(TABLES.agent_runs),
};
let batchFileSeq = 0;

/**
 * The embedded default. One process owns the file. Writes go through one connection, one transaction per batch:
 * the batch is written as a JSON file and read by DuckDB's JSON reader, which costs a fraction of appending value
 * by value through the binding (see docs/architecture.md). DuckDB syncs its WAL on commit, so a resolved write
 * is durable.
 */
export class DuckDbStore extends DuckDbAlerting implements EventStore {
  readonly kind = 'duckdb';
  private instance: DuckDBInstance | null = null;
  private reader: DuckDBConnection | null = null;
  private readonly batchDir: string;

  constructor(private readonly options: DuckDbStoreOptions) {
    super();
    this.batchDir = options.path === ':memory:' ? tmpdir() : dirname(options.path);
  }

  async init(): Promise<void> {
    if (this.options.path !== ':memory:') {
      await mkdir(this.batchDir, { recursive: true });
    }
    // A checkpoint at every 16 MB of WAL (DuckDB's default) rewrote a partly filled row group after nearly every
    // ingest transaction (bulk ingest: 42k events/s against 57k with 64 MB and 62k with 256 MB, which held more
    // memory). The WAL is replayed after a crash.
    const config: Record<string, string> = { checkpoint_threshold: '64MB' };
    if (this.options.memoryLimit) config['memory_limit'] = this.options.memoryLimit;
    if (this.options.threads) config['threads'] = String(this.options.threads);
    try {
      this.instance = await DuckDBInstance.create(this.options.path, config);
    } catch (cause) {
      throw new StoreError(`cannot open the DuckDB database ${this.options.path}: ${(cause as Error).message}`, {
        cause,
      });
    }
    if (this.options.path !== ':memory:') {
      // Batch files of a process that died mid-write (safe now that this process holds the database lock):
      // their rows were either committed or never acknowledged. Its export chunk files are of no use either.
      for (const f of await readdir(this.batchDir))
        if (f.startsWith('.tally-batch-') || f.startsWith(EXPORT_FILE_PREFIX))
          await rm(join(this.batchDir, f), { force: true });
    }
    this.conn = await this.instance.connect();
    this.reader = await this.instance.connect();
    for (const ddl of DUCKDB_SCHEMA) await this.conn.run(ddl);
  }

  async close(): Promise<void> {
    if (!this.conn) return;
    await this.exclusive(async () => {
      this.reader?.closeSync();
      if (this.conn && this.options.path !== ':memory:') await this.conn.run('CHECKPOINT');
      this.conn?.closeSync();
      this.instance?.closeSync();
      this.reader = null;
      this.conn = null;
      this.instance = null;
    });
  }

  async ping(): Promise<void> {
    await this.readRows('SELECT count(*) AS n FROM projects');
  }

  async write(batch: WriteBatch): Promise<WriteResult> {
    const calls = dedupe<CallEvent>(batch.calls ?? []);
    const runs = dedupe<AgentRun>(batch.runs ?? []);
    const parts: [keyof typeof TABLES, readonly { project_id: string; id: string; timestamp: number }[]][] = [
      ['calls', calls],
      ['app_logs', dedupe<AppLog>(batch.logs ?? [])],
      ['metric_points', dedupe<MetricPoint>(batch.metrics ?? [])],
      ['agent_runs', runs],
    ];
    const links = linkScope(calls, runs);
    const tracesFile = join(this.batchDir, `.tally-batch-${process.pid}-${++batchFileSeq}-traces.json`);
    // Files are written before taking the connection, so the next batch is serialized while DuckDB inserts this one.
    const files: { table: keyof typeof TABLES; path: string; from: number; to: number }[] = [];
    const written: string[] = [];
    try {
      for (const [table, records] of parts) {
        if (records.length === 0) continue;
        const path = join(this.batchDir, `.tally-batch-${process.pid}-${++batchFileSeq}.json`);
        files.push({ table, path, ...timeRange(records) });
        await writeFile(path, JSON.stringify(records.map(SPARSE[table])));
      }
      const changed = await this.exclusive(async (conn) => {
        try {
          const counts: Partial<Record<keyof typeof TABLES, number>> = {};
          await conn.run('BEGIN TRANSACTION');
          for (const f of files) {
            if (f.table === 'calls') {
              // The keys of the calls inserted tell which were already stored (measured on 5,000-call batches:
              // within the noise of counting the rows alone).
              const sql = insertBatch(f.table, TABLES[f.table], f.path, f.from, f.to, true);
              const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
              for (const r of rows)
                written.push(
                  recordKey({ project_id: String(r['project_id']), id: String(r['id']), timestamp: Number(r['ts']) }),
                );
              counts[f.table] = rows.length;
              continue;
            }
            counts[f.table] = (await conn.run(insertBatch(f.table, TABLES[f.table], f.path, f.from, f.to))).rowsChanged;
          }
          if (links) await linkAgentRuns(conn, links, tracesFile);
          await conn.run('COMMIT');
          return counts;
        } catch (cause) {
          await conn.run('ROLLBACK').catch(() => undefined);
          throw cause;
        }
      });
      return {
        calls: changed.calls ?? 0,
        logs: changed.app_logs ?? 0,
        metrics: changed.metric_points ?? 0,
        runs: changed.agent_runs ?? 0,
        duplicateCalls: duplicatePositions(batch.calls ?? [], written),
      };
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`writing a batch to DuckDB failed: ${(cause as Error).message}`, { cause });
    } finally {
      await Promise.all([...files.map((f) => f.path), tracesFile].map((path) => rm(path, { force: true })));
    }
  }

  async query(spec: QuerySpec): Promise<QueryRow[]> {
    const { sql, params } = compileQuery(spec, duckdbDialect);
    return finishRows(await this.readRows(sql, params), spec);
  }

  async buckets(from: number, to: number, interval: Interval, tz: string): Promise<number[]> {
    const { sql, params } = compileBuckets(from, to, interval, tz, duckdbDialect);
    return (await this.readRows(sql, params)).map((r) => Number(r['bucket']));
  }

  async events(filter: EventFilter): Promise<EventPage> {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_PAGE));
    const asc = filter.order === 'asc';
    const { params, bind } = binder(duckdbDialect);
    let where = whereSql(filter, duckdbDialect, bind);
    if (filter.cursor) {
      const c = decodeCursor(filter.cursor);
      if (!c)
        throw new StoreError('the cursor is not one this server issued; start again without it', {
          code: 'bad_cursor',
        });
      where += ` AND (timestamp, id) ${asc ? '>' : '<'} (epoch_ms(CAST(${bind(c[0])} AS BIGINT)), ${bind(c[1])})`;
    }
    const dir = asc ? 'ASC' : 'DESC';
    // Two steps: the page's keys from two narrow columns, then its rows by key. Sorting whole rows to find the
    // newest hundred costs several times more than sorting keys and reading a hundred rows by zone-mapped time.
    const keys = await this.readRows(
      `SELECT epoch_ms(timestamp) AS ts, id FROM calls WHERE ${where} ORDER BY timestamp ${dir}, id ${dir} LIMIT ${limit + 1}`,
      params,
    );
    const page = keys.slice(0, limit).map((k) => ({ ts: Number(k['ts']), id: String(k['id']) }));
    let events: CallEvent[] = [];
    if (page.length > 0) {
      const times = page.map((k) => k.ts);
      const rows = await this.readRows(
        `SELECT ${CALL_SELECT} FROM calls WHERE project_id = $1 AND timestamp >= epoch_ms(CAST($2 AS BIGINT))
           AND timestamp <= epoch_ms(CAST($3 AS BIGINT))
           AND id IN (${page.map((k) => duckdbDialect.literal(k.id)).join(', ')})`,
        [filter.projectId, Math.min(...times), Math.max(...times)],
      );
      const byKey = new Map<string, CallEvent>();
      for (const r of rows) {
        const e = fromDuckRow<CallEvent>(CALL_COLUMNS, r);
        byKey.set(`${e.timestamp}\u0000${e.id}`, e);
      }
      events = page.map((k) => byKey.get(`${k.ts}\u0000${k.id}`)).filter((e): e is CallEvent => e !== undefined);
    }
    const last = events[events.length - 1];
    return { events, next_cursor: keys.length > limit && last ? encodeCursor(last.timestamp, last.id) : null };
  }

  async getEvent(projectId: string, id: string): Promise<CallEvent | null> {
    const rows = await this.readRows(
      `SELECT ${CALL_SELECT} FROM calls WHERE project_id = $1 AND id = $2 ORDER BY timestamp LIMIT 1`,
      [projectId, id],
    );
    return rows[0] ? fromDuckRow<CallEvent>(CALL_COLUMNS, rows[0]) : null;
  }

  async logs(filter: LogFilter): Promise<AppLog[]> {
    const { params, bind } = binder(duckdbDialect);
    const where = [`project_id = ${bind(filter.projectId)}`];
    if (filter.from !== undefined) where.push(`timestamp >= ${duckdbDialect.fromEpochMs(bind(filter.from))}`);
    if (filter.to !== undefined) where.push(`timestamp < ${duckdbDialect.fromEpochMs(bind(filter.to))}`);
    if (filter.level !== undefined) where.push(`level = ${bind(filter.level)}`);
    const limit = Math.max(1, Math.min(Math.trunc(filter.limit), MAX_PAGE));
    const rows = await this.readRows(
      `SELECT ${selectList(LOG_COLUMNS)} FROM app_logs WHERE ${where.join(' AND ')}
         ORDER BY timestamp DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => fromDuckRow<AppLog>(LOG_COLUMNS, r));
  }

  async deleteBefore(projectId: string, before: number): Promise<number> {
    return this.exclusive(async (conn) => {
      let n = 0;
      for (const table of Object.keys(TABLES)) {
        const r = await conn.run(
          `DELETE FROM ${table} WHERE project_id = $1 AND timestamp < epoch_ms(CAST($2 AS BIGINT))`,
          [projectId, before],
        );
        n += r.rowsChanged;
      }
      return n;
    });
  }

  async clear(projectId: string): Promise<number> {
    return this.exclusive(async (conn) => this.deleteProjectData(conn, projectId));
  }

  async trimCalls(projectId: string, keep: number): Promise<number> {
    // Everything older than the keep-th newest call; no such call (fewer than `keep`) compares as NULL: no row.
    return this.exclusive(async (conn) => {
      if (keep < 1) return (await conn.run('DELETE FROM calls WHERE project_id = $1', [projectId])).rowsChanged;
      const r = await conn.run(
        `DELETE FROM calls WHERE project_id = $1 AND (timestamp, id) < (SELECT (timestamp, id) FROM calls
           WHERE project_id = $1 ORDER BY timestamp DESC, id DESC LIMIT 1 OFFSET CAST($2 AS BIGINT) - 1)`,
        [projectId, Math.trunc(keep)],
      );
      return r.rowsChanged;
    });
  }

  async stats(projectId?: string): Promise<StoreStats> {
    const where = projectId === undefined ? '' : 'WHERE project_id = $1';
    const params = projectId === undefined ? [] : [projectId];
    const [row] = await this.readRows(
      `SELECT (SELECT count(*) FROM calls ${where}) AS calls, (SELECT count(*) FROM app_logs ${where}) AS logs,
              (SELECT count(*) FROM metric_points ${where}) AS metrics`,
      params,
    );
    return {
      calls: Number(row?.['calls'] ?? 0),
      logs: Number(row?.['logs'] ?? 0),
      metrics: Number(row?.['metrics'] ?? 0),
    };
  }

  async exportCalls(selection: ExportSelection, format: ExportFormat, options?: ExportOptions): Promise<CallExport> {
    const instance = this.instance;
    if (!instance) throw new StoreError('the DuckDB store is closed', { code: 'store_closed' });
    try {
      const read = (sql: string, params: DuckDBValue[]) => this.readRows(sql, params);
      return await openExport(
        { connect: () => instance.connect(), read, dir: this.batchDir },
        selection,
        format,
        options,
      );
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError(`exporting calls from DuckDB failed: ${(cause as Error).message}`, { cause });
    }
  }

  /** Logs and metrics, newest first; used by the status page and tests. */
  async recent<T>(table: 'app_logs' | 'metric_points', projectId: string, limit: number): Promise<T[]> {
    const columns: readonly Column[] = TABLES[table];
    const rows = await this.readRows(
      `SELECT ${selectList(columns)} FROM ${table} WHERE project_id = $1 ORDER BY timestamp DESC, id DESC LIMIT ${Math.trunc(limit)}`,
      [projectId],
    );
    return rows.map((r) => fromDuckRow<T>(columns, r));
  }

  private async readRows(sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
    if (!this.reader) throw new StoreError('the DuckDB store is closed', { code: 'store_closed' });
    const reader = await this.reader.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }
}

function timeRange(records: readonly { timestamp: number }[]): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const r of records) {
    if (r.timestamp < from) from = r.timestamp;
    if (r.timestamp > to) to = r.timestamp;
  }
  return { from, to };
}
