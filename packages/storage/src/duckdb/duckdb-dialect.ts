import type { Dialect } from '../dialect.js';

/**
 * DuckDB's SQL spellings. Values are bound as parameters wherever DuckDB allows it; where it does not (table
 * function arguments such as a file path), `literal` is the one escaping function of this dialect.
 */
export const duckdbDialect: Dialect = {
  ident(name: string): string {
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
    return `'${value.replace(/'/g, "''")}'`;
  },
  param(n: number): string {
    return `$${n}`;
  },
  fromEpochMs(expr: string): string {
    return `epoch_ms(CAST(${expr} AS BIGINT))`;
  },
  toEpochMs(expr: string): string {
    return `epoch_ms(${expr})`;
  },
  timeBucket(column: string, interval, tz: string): string {
    if (tz === 'UTC') return `date_trunc(${this.literal(interval)}, ${column})`;
    // Stored times are UTC; truncate the wall-clock time in tz, then turn that local start back into an instant.
    const local = `timezone(${this.literal(tz)}, ${column} AT TIME ZONE 'UTC')`;
    return `timezone(${this.literal(tz)}, date_trunc(${this.literal(interval)}, ${local}))::TIMESTAMP`;
  },
  quarterHour(column: string): string {
    return `time_bucket(INTERVAL 15 MINUTE, ${column})`;
  },
  percentiles(column: string, ps: readonly number[]): string {
    // DuckDB's quantile_disc is the nearest-rank percentile (checked against nearestRank in the contract tests).
    return `quantile_disc(${column}, [${ps.map((p) => Number(p)).join(', ')}])`;
  },
  listContains(column: string, valueExpr: string): string {
    return `list_contains(${column}, ${valueExpr})`;
  },
  asText(expr: string): string {
    return `CAST(${expr} AS VARCHAR)`;
  },
  jsonText(column: string, key: string): string {
    return `json_extract_string(${column}, ${this.literal(`$.${JSON.stringify(key)}`)})`;
  },
  replaceAll(expr: string, pattern: string, replacement: string): string {
    return `regexp_replace(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)}, 'g')`;
  },
  prefix(expr: string, n: number): string {
    return `substr(${expr}, 1, ${Math.trunc(n)})`;
  },
  newest(column: string, orderBy: string, n: number): string {
    return `list(${column} ORDER BY ${orderBy} DESC)[1:${Math.trunc(n)}]`;
  },
  instants(fromMs: string, toMs: string, stepMinutes: number): string {
    const step = `INTERVAL ${Math.trunc(stepMinutes)} MINUTE`;
    return `(SELECT generate_series AS ts FROM generate_series(${this.fromEpochMs(fromMs)}, ${this.fromEpochMs(toMs)}, ${step}))`;
  },
};
