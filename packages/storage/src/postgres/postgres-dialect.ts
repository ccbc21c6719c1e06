import type { Dialect } from '../dialect.js';

/**
 * PostgreSQL's SQL spellings. Every value is a bound parameter (`$n`) wherever PostgreSQL allows one; `literal` is
 * the one escaping function of this dialect, for the few places it does not (DDL such as partition bounds, and
 * constants that must read the same in SELECT and GROUP BY).
 */
export const postgresDialect: Dialect = {
  ident(name: string): string {
    if (name.includes('\0')) throw new Error('a SQL identifier cannot contain NUL');
    return `"${name.replace(/"/g, '""')}"`;
  },
  literal(value: string | number | boolean | null): string {
    if (value === null) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a SQL literal`);
      return String(value);
    }
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (value.includes('\0')) throw new Error('a SQL string literal cannot contain NUL');
    // An E'' string reads backslashes the same whatever standard_conforming_strings says.
    const quoted = value.replace(/'/g, "''");
    return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
  },
  param(n: number): string {
    return `$${n}`;
  },
  fromEpochMs(expr: string): string {
    // to_timestamp rounds to whole microseconds, so a whole number of milliseconds comes back exactly.
    return `to_timestamp(CAST(${expr} AS double precision) / 1000)`;
  },
  toEpochMs(expr: string): string {
    // EXTRACT gives an exact numeric (PostgreSQL 14 and later).
    return `CAST(EXTRACT(EPOCH FROM ${expr}) * 1000 AS bigint)`;
  },
  timeBucket(column: string, interval, tz: string): string {
    // Times are timestamptz: the three-argument date_trunc truncates the wall-clock time in tz and returns the
    // instant that local start is, DST changes included, whatever the session's TimeZone.
    return `date_trunc(${this.literal(interval)}, ${column}, ${this.literal(tz)})`;
  },
  quarterHour(column: string): string {
    return `date_bin(INTERVAL '15 minutes', ${column}, TIMESTAMPTZ '1970-01-01 00:00:00+00')`;
  },
  percentiles(column: string, ps: readonly number[]): string {
    // percentile_disc is the nearest-rank percentile: the ceil(p·n)-th value. For the percentiles Tally offers
    // (0.5, 0.9, 0.95, 0.99), ceil(p·n) in floating point equals the rounded rank of nearestRank for every n up to
    // 2·10^7 (checked), and the contract tests compare both.
    const list = ps.map((p) => this.literal(Number(p))).join(', ');
    return `percentile_disc(ARRAY[${list}]::double precision[]) WITHIN GROUP (ORDER BY ${column})`;
  },
  listContains(column: string, valueExpr: string): string {
    // `@>` can use a GIN index on the list; a NULL value is contained in no list.
    return `(${column} @> ARRAY[CAST(${valueExpr} AS text)])`;
  },
  asText(expr: string): string {
    return `CAST(${expr} AS text)`;
  },
  jsonText(column: string, key: string): string {
    return `(${column} ->> ${this.literal(key)})`;
  },
  replaceAll(expr: string, pattern: string, replacement: string): string {
    return `regexp_replace(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)}, 'g')`;
  },
  prefix(expr: string, n: number): string {
    return `substr(${expr}, 1, ${Math.trunc(n)})`;
  },
  newest(column: string, orderBy: string, n: number): string {
    return `(array_agg(${column} ORDER BY ${orderBy} DESC))[1:${Math.trunc(n)}]`;
  },
  instants(fromMs: string, toMs: string, stepMinutes: number): string {
    const step = this.literal(`${Math.trunc(stepMinutes)} minutes`);
    return `(SELECT s.ts FROM generate_series(${this.fromEpochMs(fromMs)}, ${this.fromEpochMs(toMs)}, CAST(${step} AS interval)) AS s(ts))`;
  },
};
