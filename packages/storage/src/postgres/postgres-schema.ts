import { CALL_COLUMNS, LOG_COLUMNS, METRIC_COLUMNS, RUN_COLUMNS, type Column, type LogicalType } from '../columns.js';
import { postgresDialect as d } from './postgres-dialect.js';

/** The event tables, each partitioned by month (see migrations/0001_initial.ts and postgres-partitions.ts). */
export const TABLES = {
  calls: CALL_COLUMNS,
  app_logs: LOG_COLUMNS,
  metric_points: METRIC_COLUMNS,
  agent_runs: RUN_COLUMNS,
} as const;
export type EventTable = keyof typeof TABLES;
export const EVENT_TABLES = Object.keys(TABLES) as EventTable[];

/** PostgreSQL's type for each logical column type, as information_schema names it (checked by the schema test). */
export const PHYSICAL: Record<LogicalType, string> = {
  text: 'text',
  int: 'bigint',
  float: 'double precision',
  bool: 'boolean',
  time: 'timestamp with time zone',
  json: 'json',
  text_list: 'ARRAY',
};

/**
 * The array type a column travels in when a batch is written with `unnest`: times as epoch ms, JSON as its text,
 * text lists as array literals (an array of arrays would be a two-dimensional array, which must be rectangular).
 */
const WIRE: Record<LogicalType, string> = {
  text: 'text[]',
  int: 'bigint[]',
  float: 'double precision[]',
  bool: 'boolean[]',
  time: 'double precision[]',
  json: 'text[]',
  text_list: 'text[]',
};

function fromWire(c: Column): string {
  const v = `s.${d.ident(c.name)}`;
  if (c.type === 'time') return d.fromEpochMs(v);
  if (c.type === 'json') return `CAST(${v} AS json)`;
  if (c.type === 'text_list') return `CAST(${v} AS text[])`;
  return v;
}

/**
 * One statement for all the records of a batch bound for one table: each column is one array parameter, zipped
 * back into rows by `unnest`. A record already stored under the same (project_id, id, timestamp) is skipped; with
 * `returnKeys` the statement returns the key of each record it inserted, so the skipped ones are known one by one.
 */
export function insertSql(table: EventTable, returnKeys = false): string {
  const columns = TABLES[table];
  const names = columns.map((c) => d.ident(c.name)).join(', ');
  const arrays = columns.map((c, i) => `CAST(${d.param(i + 1)} AS ${WIRE[c.type]})`).join(', ');
  const returning = returnKeys ? ` RETURNING project_id, id, ${d.toEpochMs(d.ident('timestamp'))} AS ts` : '';
  return `INSERT INTO ${d.ident(table)} (${names}) SELECT ${columns.map(fromWire).join(', ')}
    FROM unnest(${arrays}) AS s(${names}) ON CONFLICT DO NOTHING${returning}`;
}

/** The array parameters of `insertSql`: one per column, in column order. */
export function insertParams(table: EventTable, records: readonly object[]): unknown[][] {
  return TABLES[table].map((c) => records.map((r) => toWire(c, (r as Record<string, unknown>)[c.name])));
}

/** PostgreSQL text cannot hold NUL: it is stored as U+FFFD, the character that stands for an unreadable one. */
export function pgText(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '\uFFFD') : s;
}

/** A text list as a PostgreSQL array literal: every element quoted, backslashes and quotes escaped. */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${pgText(String(v)).replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * JSON text PostgreSQL's json type accepts: JSON.stringify writes a lone UTF-16 surrogate (which a client's JSON
 * can hold) as a `\udXXX` escape, which PostgreSQL refuses; it becomes U+FFFD, as it does in text columns.
 */
export function pgJson(v: unknown): string {
  const text = JSON.stringify(v);
  if (!/\\ud[89a-f]/i.test(text)) return text;
  // Escapes are matched from left to right, so an escaped backslash followed by `u` is never taken for one.
  return text.replace(/\\(ud[89a-f][0-9a-f]{2}|[^u]|u[0-9a-f]{4})/gi, (m, e: string) =>
    /^ud[89a-f]/i.test(e) ? '\\ufffd' : m,
  );
}

function toWire(c: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (c.type === 'json') return pgJson(v);
  if (c.type === 'text_list') return arrayLiteral(v as string[]);
  if (typeof v === 'string') return pgText(v);
  return v;
}

/** Select list that reads a table back in the shape of its record type (times as epoch ms). */
export function selectList(columns: readonly Column[], qualifier = ''): string {
  return columns
    .map((c) => {
      const col = `${qualifier}${d.ident(c.name)}`;
      return c.type === 'time' ? `${d.toEpochMs(col)} AS ${d.ident(c.name)}` : col;
    })
    .join(', ');
}
