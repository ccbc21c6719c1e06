import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CALL_COLUMNS, type Column } from '../columns.js';
import type { CallExport, ExportFormat, ExportOptions, ExportSelection } from '../event-store.js';
import { binder, whereSql } from '../query-compiler.js';
import { duckdbDialect as d } from './duckdb-dialect.js';

/** Temporary chunk files start with this; a store deletes leftovers of a process that died at start-up. */
export const EXPORT_FILE_PREFIX = '.tally-export-';
/** Rows per chunk at most: DuckDB sorts a chunk of this many typical rows in memory under the default 256MB cap. */
export const EXPORT_CHUNK_ROWS = 50_000;
/** Bytes of output per chunk, about: rows holding long prompts and completions make chunks of fewer rows. */
const CHUNK_BYTES = 64 << 20;
/** Output bytes of a row apart from its content columns (every column is written, null or not). */
const ROW_BYTES: Record<ExportFormat, number> = { csv: 400, ndjson: 1300, parquet: 100 };
/** DuckDB's row group: the unit its min/max zone maps let a scan skip. */
const ROW_GROUP_ROWS = 122_880;
/** The plan cuts the selection's timestamps at this many approximate quantiles. */
const PLAN_STEPS = 1000;
/** All chunks together may read the selection's row groups at most this many times over. */
const MAX_SCAN_FACTOR = 4;
/**
 * Chunks written at once, each on its own connection. DuckDB runs a COPY of a sorted chunk on about one core
 * (measured: CPU time equal to wall time), so two in flight use both cores of a small machine. Large chunks (see
 * planChunks) go one at a time: two ordered COPYs of 250,000 rows each (325 MB of NDJSON each) ran out of a
 * 256MB cap.
 */
const PARALLEL_CHUNKS = 2;
/**
 * How a chunk keeps its order cheaply. An order-preserving COPY collects the sorted batches of all threads and
 * writes them in order, which cost as much as sorting (measured: 1.1 s against 0.4 s for 100,000 calls). A LIMIT
 * hands the sorted rows on from one thread, in order, so the COPY may skip that step; the contract tests check the
 * order of every export.
 */
const NO_LIMIT = '4611686018427387904';
const IN_ORDER = 'PRESERVE_ORDER false';
const ISO_8601 = d.literal('%Y-%m-%dT%H:%M:%S.%gZ');
const EXTENSION: Record<ExportFormat, string> = { csv: 'csv', ndjson: 'ndjson', parquet: 'parquet' };

type Params = (string | number)[];
type Read = (sql: string, params: Params) => Promise<Record<string, unknown>[]>;

export interface ExportContext {
  /** A new connection of its own, so a long export never waits for, nor holds up, other statements. */
  connect(): Promise<DuckDBConnection>;
  /** A short read on the store's reader connection, for counting and planning. */
  read: Read;
  /** Directory of the temporary chunk files. */
  dir: string;
}

let exportSeq = 0;

/**
 * A selection exported by DuckDB itself: `COPY (SELECT … ORDER BY timestamp, id) TO '<chunk file>'` writes each
 * chunk (measured on a million calls: about 20 times the rows per second of a JavaScript loop formatting
 * `events()` pages), and the file is streamed out and deleted while DuckDB writes the next one. Chunks are time
 * ranges cut at approximate quantiles
 * of the selection's timestamps, so each holds about `chunkRows` rows and is sorted on its own; when the stored
 * order is unrelated to time, so that every range would read every row group, fewer and larger ranges are used.
 * Parquet cannot be written in pieces: it is one COPY, streamed once complete.
 */
export async function openExport(
  ctx: ExportContext,
  sel: ExportSelection,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<CallExport> {
  const { params, bind } = binder(d);
  let where = whereSql(sel, d, bind);
  if (sel.after) {
    where += ` AND (timestamp, id) > (${d.fromEpochMs(bind(sel.after.timestamp))}, ${bind(sel.after.id)})`;
  }
  const chunkRows = Math.max(1, Math.trunc(options.chunkRows ?? EXPORT_CHUNK_ROWS));
  const plan = await planChunks(ctx.read, where, params, format, chunkRows);
  const columns = CALL_COLUMNS.map((c) => exportColumn(c, format)).join(', ');
  const statements = rangesOf(plan.bounds).map((range, i) => {
    let sql = `SELECT ${columns} FROM calls WHERE ${where}`;
    if (range.from !== null) sql += ` AND timestamp >= ${d.fromEpochMs(d.literal(range.from))}`;
    if (range.to !== null) sql += ` AND timestamp < ${d.fromEpochMs(d.literal(range.to))}`;
    const copy = copyOptions(format, i === 0 && options.header !== false);
    return (path: string) =>
      `COPY (${sql} ORDER BY calls.timestamp, calls.id LIMIT ${NO_LIMIT}) TO ${d.literal(path)} (${copy})`;
  });
  const chunks = statements.map((statement) => async (conn: DuckDBConnection) => {
    const path = join(ctx.dir, `${EXPORT_FILE_PREFIX}${process.pid}-${++exportSeq}.${EXTENSION[format]}`);
    try {
      await conn.run(statement(path), params);
    } catch (cause) {
      await rm(path, { force: true });
      throw cause;
    }
    return path;
  });
  return { rows: plan.rows, body: streamFiles(ctx, chunks, plan.parallel) };
}

interface Plan {
  rows: number;
  /** Inner boundaries of the chunk ranges, epoch ms ascending; none for one chunk. */
  bounds: number[];
  /** Chunks to write at once. */
  parallel: number;
}

async function planChunks(
  read: Read,
  where: string,
  params: Params,
  format: ExportFormat,
  maxRows: number,
): Promise<Plan> {
  const [count] = await read(`SELECT count(*) AS n FROM calls WHERE ${where}`, params);
  const rows = Number(count?.['n'] ?? 0);
  // Parquet cannot be written in pieces.
  if (format === 'parquet' || rows <= maxRows) return { rows, bounds: [], parallel: 1 };
  const rowBytes = await bytesPerRow(read, where, params, format);
  const chunkRows = Math.min(maxRows, Math.max(1000, Math.floor(CHUNK_BYTES / rowBytes)));
  const steps = Array.from({ length: PLAN_STEPS - 1 }, (_, i) => d.literal((i + 1) / PLAN_STEPS)).join(', ');
  const group = `rowid // ${ROW_GROUP_ROWS}`;
  const [stats] = await read(
    `SELECT count(DISTINCT ${group}) AS groups, approx_quantile(${d.toEpochMs('timestamp')}, [${steps}]) AS q
       FROM calls WHERE ${where}`,
    params,
  );
  const quantiles = ((stats?.['q'] as unknown[] | null) ?? []).map(Number);
  let bounds = cutAt(quantiles, Math.ceil(rows / chunkRows));
  if (bounds.length > 0) {
    // How many row groups one range touches, against all of the selection's: the share each chunk must scan.
    const mid = Math.floor(bounds.length / 2);
    const lo = bounds[mid - 1] ?? null;
    const hi = bounds[mid]!;
    const [probe] = await read(
      `SELECT count(DISTINCT ${group}) AS touched FROM calls WHERE ${where}
         ${lo === null ? '' : `AND timestamp >= ${d.fromEpochMs(d.literal(lo))}`}
         AND timestamp < ${d.fromEpochMs(d.literal(hi))}`,
      params,
    );
    const share = Number(probe?.['touched'] ?? 0) / Math.max(1, Number(stats?.['groups'] ?? 1));
    const chunks = bounds.length + 1;
    if (chunks * share > MAX_SCAN_FACTOR) {
      bounds = cutAt(quantiles, Math.max(1, Math.floor(MAX_SCAN_FACTOR / share)));
    }
  }
  const chunkBytes = (rows / (bounds.length + 1)) * rowBytes;
  return { rows, bounds, parallel: chunkBytes <= 2 * CHUNK_BYTES ? PARALLEL_CHUNKS : 1 };
}

/** Output bytes per row, about, from the content size of the first rows of the selection. */
async function bytesPerRow(read: Read, where: string, params: Params, format: ExportFormat): Promise<number> {
  const content = ['input_text', 'output_text', 'error_message', 'CAST(metadata AS VARCHAR)']
    .map((c) => `coalesce(strlen(${c}), 0)`)
    .join(' + ');
  const [sample] = await read(
    `SELECT avg(${content}) AS bytes FROM (SELECT * FROM calls WHERE ${where} LIMIT 2048) AS calls`,
    params,
  );
  return ROW_BYTES[format] + Number(sample?.['bytes'] ?? 0);
}

/** `chunks - 1` distinct boundaries at evenly spaced quantiles. */
export function cutAt(quantiles: readonly number[], chunks: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < chunks; i++) {
    const q = quantiles[Math.round((i * (quantiles.length + 1)) / chunks) - 1];
    if (q !== undefined && Number.isFinite(q) && (out.length === 0 || q > out[out.length - 1]!)) out.push(q);
  }
  return out;
}

function rangesOf(bounds: readonly number[]): { from: number | null; to: number | null }[] {
  const edges = [null, ...bounds, null];
  return edges.slice(1).map((to, i) => ({ from: edges[i] ?? null, to }));
}

/** A column as the export writes it: times as ISO 8601 UTC text (UTC timestamps in Parquet), no null lists. */
function exportColumn(c: Column, format: ExportFormat): string {
  const col = d.ident(c.name);
  if (c.type === 'time')
    return `${format === 'parquet' ? `timezone('UTC', ${col})` : `strftime(${col}, ${ISO_8601})`} AS ${col}`;
  if (c.type === 'text_list') {
    const list = `coalesce(${col}, []::VARCHAR[])`;
    return `${format === 'csv' ? `to_json(${list})` : list} AS ${col}`;
  }
  if (c.type === 'json') return `coalesce(${col}, '{}'::JSON) AS ${col}`;
  return col;
}

function copyOptions(format: ExportFormat, header: boolean): string {
  // RFC 4180: CRLF between records; DuckDB quotes a field holding a comma, quote or line break and doubles quotes.
  if (format === 'csv') return `FORMAT csv, HEADER ${header}, NEW_LINE ${d.literal('\\r\\n')}, ${IN_ORDER}`;
  if (format === 'ndjson') return `FORMAT json, ${IN_ORDER}`;
  return `FORMAT parquet, COMPRESSION zstd, ${IN_ORDER}`;
}

/**
 * Streams each chunk file and deletes it, while the next chunks are being written. Everything is acquired inside
 * the generator, so a consumer that stops early (or never starts) leaves no connection and no file behind.
 */
async function* streamFiles(
  ctx: ExportContext,
  chunks: readonly ((conn: DuckDBConnection) => Promise<string>)[],
  parallel: number,
): AsyncGenerator<Buffer> {
  const conns: DuckDBConnection[] = [];
  const pending: Promise<string>[] = [];
  const start = async (i: number) => {
    const slot = i % parallel;
    conns[slot] ??= await ctx.connect();
    return chunks[i]!(conns[slot]);
  };
  try {
    const startUpTo = (end: number) => {
      for (let j = pending.length; j < Math.min(chunks.length, end); j++) {
        pending.push(start(j));
        pending[j]!.catch(() => undefined); // reported when awaited in order, not as an unhandled rejection
      }
    };
    for (let i = 0; i < chunks.length; i++) {
      startUpTo(i + parallel);
      const path = await pending[i]!;
      // Chunk i is written: the next one takes its connection and is written while chunk i is streamed.
      startUpTo(i + parallel + 1);
      try {
        for await (const buf of createReadStream(path, { highWaterMark: 1 << 20 })) yield buf as Buffer;
      } finally {
        await rm(path, { force: true });
      }
    }
  } finally {
    // Stopped early or failed: wait for the chunks still being written, then delete them.
    const left = await Promise.allSettled(pending);
    await Promise.all(left.map((r) => (r.status === 'fulfilled' ? rm(r.value, { force: true }) : undefined)));
    for (const conn of conns) conn?.closeSync();
  }
}
