import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { CALL_COLUMNS, type Column } from '../columns.js';
import type { CallExport, ExportFormat, ExportOptions, ExportSelection } from '../event-store.js';
import { binder, whereSql } from '../query-compiler.js';
import { createTable } from '../duckdb/duckdb-ddl.js';
import { openExport } from '../duckdb/duckdb-export.js';
import { sparseCopier } from '../duckdb/duckdb-rows.js';
import { insertBatch } from '../duckdb/duckdb-schema.js';
import { postgresDialect as d } from './postgres-dialect.js';
import type { Params, PgPool, Rows } from './postgres-pool.js';
import { fromPgRow } from './postgres-rows.js';
import { csvHeader, csvRecord, ndjsonRecord, type ExportRow } from './postgres-export-format.js';

/**
 * Rows per chunk at most. Each chunk is one short keyset query on a pooled connection (no transaction is held
 * open while a slow reader downloads), read in (timestamp, id) order from the (project_id, timestamp, id) index.
 */
export const PG_EXPORT_CHUNK_ROWS = 5_000;
/** Bytes of text handed on at once: a chunk of long prompts is passed on in pieces, not as one huge string. */
const PIECE_BYTES = 1 << 20;

/** Times as epoch ms; metadata as the JSON text stored, so that it is exported exactly as the client sent it. */
const EXPORT_SELECT = CALL_COLUMNS.map((c) => {
  const col = d.ident(c.name);
  if (c.type === 'time') return `${d.toEpochMs(col)} AS ${col}`;
  if (c.type === 'json') return `CAST(${col} AS text) AS ${col}`;
  return col;
}).join(', ');

/**
 * The selection as a file: CSV and NDJSON formatted here, byte for byte as the DuckDB store writes them
 * (postgres-export-format.ts); Parquet written by DuckDB itself from the same rows (see parquetBody).
 */
export async function openPgExport(
  db: PgPool,
  sel: ExportSelection,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<CallExport> {
  const { params, bind } = binder(d);
  let where = whereSql(sel, d, bind);
  if (sel.after) {
    where += ` AND ("timestamp", id) > (${d.fromEpochMs(bind(sel.after.timestamp))}, ${bind(sel.after.id)})`;
  }
  const [count] = await db.rows(`SELECT count(*) AS n FROM calls WHERE ${where}`, params);
  const rows = Number(count?.['n'] ?? 0);
  const chunkRows = Math.max(1, Math.min(Math.trunc(options.chunkRows ?? PG_EXPORT_CHUNK_ROWS), PG_EXPORT_CHUNK_ROWS));
  const read = () => pages(db, where, params, chunkRows);
  if (format === 'parquet') return { rows, body: parquetBody(read, sel.projectId) };
  return { rows, body: textBody(read, format, options.header !== false) };
}

/**
 * The selection's rows in export order, a chunk at a time, by keyset: each chunk starts strictly after the last
 * row of the one before. The next chunk is read while the current one is being written out.
 */
async function* pages(db: PgPool, where: string, params: Params, chunkRows: number): AsyncGenerator<Rows> {
  const fetch = (after: ExportRow | null) => {
    const p = [...params];
    let w = where;
    if (after) {
      p.push(after['timestamp'], after['id']);
      w += ` AND ("timestamp", id) > (${d.fromEpochMs(d.param(p.length - 1))}, ${d.param(p.length)})`;
    }
    return db.rows(
      `SELECT ${EXPORT_SELECT} FROM calls WHERE ${w} ORDER BY "timestamp", id LIMIT ${Math.trunc(chunkRows)}`,
      p,
    );
  };
  let next: Promise<Rows> | null = fetch(null);
  try {
    while (next) {
      const rows: Rows = await next;
      next = rows.length === chunkRows ? fetch(rows[rows.length - 1]!) : null;
      next?.catch(() => undefined); // reported when awaited, not as an unhandled rejection
      if (rows.length > 0) yield rows;
    }
  } finally {
    await next?.catch(() => undefined);
  }
}

async function* textBody(
  read: () => AsyncGenerator<Rows>,
  format: 'csv' | 'ndjson',
  header: boolean,
): AsyncGenerator<Buffer> {
  const record = format === 'csv' ? csvRecord(CALL_COLUMNS) : ndjsonRecord(CALL_COLUMNS);
  // DuckDB writes the CSV header even when no row follows.
  let text = format === 'csv' && header ? csvHeader(CALL_COLUMNS) : '';
  for await (const rows of read()) {
    for (const row of rows) {
      text += record(row);
      if (text.length >= PIECE_BYTES) {
        yield Buffer.from(text, 'utf8');
        text = '';
      }
    }
  }
  if (text.length > 0) yield Buffer.from(text, 'utf8');
}

const SPARSE = sparseCopier(CALL_COLUMNS);

/**
 * Parquet cannot be written piece by piece by hand: the rows go, chunk by chunk, into a DuckDB database in a
 * temporary file (so memory stays bounded), and DuckDB writes the Parquet file exactly as the DuckDB store's export
 * does (duckdb-export.ts), which is then streamed and deleted. Everything is acquired inside the generator, so a
 * reader that stops early leaves nothing behind.
 */
async function* parquetBody(read: () => AsyncGenerator<Rows>, projectId: string): AsyncGenerator<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-export-'));
  let instance: DuckDBInstance | null = null;
  try {
    instance = await DuckDBInstance.create(join(dir, 'export.duckdb'), { memory_limit: '256MB', threads: '2' });
    const conn = await instance.connect();
    try {
      await conn.run(createTable('calls', CALL_COLUMNS));
      let n = 0;
      for await (const rows of read()) {
        const records = rows.map((r) => toRecord(CALL_COLUMNS, r));
        const path = join(dir, `chunk-${++n}.json`);
        await writeFile(path, JSON.stringify(records.map(SPARSE)));
        const times = records.map((r) => Number(r['timestamp']));
        await conn.run(insertBatch('calls', CALL_COLUMNS, path, Math.min(...times), Math.max(...times)));
        await rm(path, { force: true });
      }
    } finally {
      conn.closeSync();
    }
    const reader = await instance.connect();
    try {
      const db = instance;
      const exp = await openExport(
        {
          connect: () => db.connect(),
          read: async (sql, params) =>
            (await reader.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, unknown>[],
          dir,
        },
        { projectId },
        'parquet',
      );
      yield* exp.body;
    } finally {
      reader.closeSync();
    }
  } finally {
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** An export row as a record for DuckDB's batch reader: metadata parsed back into an object. */
function toRecord(columns: readonly Column[], row: ExportRow): Record<string, unknown> {
  const metadata = row['metadata'];
  return fromPgRow<Record<string, unknown>>(columns, {
    ...row,
    metadata: typeof metadata === 'string' ? JSON.parse(metadata) : metadata,
  });
}
