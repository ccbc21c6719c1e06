import {
  CONTENT_FIELDS,
  DIMENSIONS,
  ERROR_PATTERN_MAX,
  ERROR_PATTERN_RULES,
  METRICS,
  RUN_DIMENSIONS,
  RUN_METRICS,
  SAMPLE_IDS,
  type Dataset,
  type Filter,
  type GroupKey,
  type Interval,
  type Metric,
  type QueryRow,
  type QuerySpec,
} from '@tally/core';
import type { Dialect } from './dialect.js';

export interface CompiledQuery {
  sql: string;
  params: (string | number)[];
}

/** The part of a query that picks rows: a project, a time range and filters. */
export interface RowSelection {
  projectId: string;
  /** Inclusive start and exclusive end, epoch ms; open when absent. */
  from?: number;
  to?: number;
  filters?: readonly Filter[];
}

type Bind = (v: string | number) => string;

const QUARTER_HOUR = 900_000;

const DIMENSION_SET = new Set<string>(DIMENSIONS);
const METRIC_SET = new Set<string>(METRICS);
const RUN_DIMENSION_SET = new Set<string>(RUN_DIMENSIONS);
const RUN_METRIC_SET = new Set<string>(RUN_METRICS);

/** The table a dataset lives in. */
const TABLE_OF: Record<Dataset, string> = { calls: 'calls', agent_runs: 'agent_runs' };

/** Agent runs have fewer columns than calls: a spec that names any other is refused before SQL is written. */
function checkRunSpec(spec: QuerySpec): void {
  for (const g of spec.groupBy ?? [])
    if (!RUN_DIMENSION_SET.has(g)) throw new Error(`agent runs cannot be grouped by ${String(g)}`);
  for (const m of [...spec.metrics, ...(spec.orderBy ? [spec.orderBy.metric] : [])])
    if (!RUN_METRIC_SET.has(m)) throw new Error(`agent runs have no metric ${String(m)}`);
  for (const f of spec.filters ?? [])
    if (!RUN_DIMENSION_SET.has(f.field) && !f.field.startsWith('metadata.'))
      throw new Error(`agent runs cannot be filtered on ${f.field}`);
}
const PERCENTILE = /^p(50|90|95|99)_(duration_ms|ttft_ms)$/;
/** Metrics derived from others after the query, so that every backend divides the same way. */
const DERIVED: Partial<Record<Metric, Metric[]>> = { error_rate: ['errors', 'calls'] };

/** The percentile metrics of a spec, by column: one list aggregate per column answers all of them. */
function percentileColumns(metrics: readonly Metric[]): Map<string, Metric[]> {
  const out = new Map<string, Metric[]>();
  for (const m of metrics) {
    const pct = PERCENTILE.exec(m);
    if (pct) out.set(pct[2]!, [...(out.get(pct[2]!) ?? []), m]);
  }
  return out;
}

const percentileOf = (m: Metric) => Number(PERCENTILE.exec(m)![1]) / 100;
const listAlias = (column: string) => `__p_${column}`;

function metricSql(m: Metric, d: Dialect): string {
  const col = d.ident.bind(d);
  const pct = PERCENTILE.exec(m);
  if (pct) return `(${d.percentiles(col(pct[2]!), [percentileOf(m)])})[1]`;
  switch (m) {
    case 'calls':
      return 'COUNT(*)';
    case 'errors':
      return `SUM(CASE WHEN ${col('status')} <> 'success' THEN 1 ELSE 0 END)`;
    case 'unpriced_calls':
      return `SUM(CASE WHEN ${col('cost_source')} = 'unpriced' THEN 1 ELSE 0 END)`;
    case 'avg_duration_ms':
      return `AVG(${col('duration_ms')})`;
    case 'avg_ttft_ms':
      return `AVG(${col('ttft_ms')})`;
    case 'users':
      return `COUNT(DISTINCT ${col('user_id')})`;
    case 'sessions':
      return `COUNT(DISTINCT ${col('session_id')})`;
    case 'first_seen':
      return d.toEpochMs(`MIN(${col('timestamp')})`);
    case 'last_seen':
      return d.toEpochMs(`MAX(${col('timestamp')})`);
    case 'sample_ids':
      return d.newest(col('id'), col('timestamp'), SAMPLE_IDS);
    default:
      return `COALESCE(SUM(${col(m)}), 0)`;
  }
}

/** The error message reduced to its pattern (see ERROR_PATTERN_RULES). */
export function errorPatternSql(d: Dialect): string {
  let expr = d.ident('error_message');
  for (const [pattern, replacement] of ERROR_PATTERN_RULES) expr = d.replaceAll(expr, pattern, replacement);
  return d.prefix(expr, ERROR_PATTERN_MAX);
}

function groupSql(g: GroupKey, d: Dialect): string {
  if (g === 'error_pattern') return errorPatternSql(d);
  if (!DIMENSION_SET.has(g)) throw new Error(`cannot group by ${String(g)}`);
  return d.ident(g);
}

/** The SQL metrics a spec needs: the ones asked for, with derived ones replaced by their inputs. */
export function sqlMetrics(metrics: readonly Metric[]): Metric[] {
  const out = new Set<Metric>();
  for (const m of metrics) for (const x of DERIVED[m] ?? [m]) out.add(x);
  return [...out];
}

/** Binds values in order, numbering placeholders the dialect's way. */
export function binder(d: Dialect): { params: (string | number)[]; bind: Bind } {
  const params: (string | number)[] = [];
  return {
    params,
    bind: (v) => {
      params.push(v);
      return d.param(params.length);
    },
  };
}

/**
 * The WHERE conditions of a row selection. Every value is a bound parameter; column names come from the closed
 * list of dimensions, checked here, so a selection built from user input cannot name anything else.
 */
export function whereSql(sel: RowSelection, d: Dialect, bind: Bind): string {
  const ts = d.ident('timestamp');
  const where = [`${d.ident('project_id')} = ${bind(sel.projectId)}`];
  if (sel.from !== undefined) where.push(`${ts} >= ${d.fromEpochMs(bind(sel.from))}`);
  if (sel.to !== undefined) where.push(`${ts} < ${d.fromEpochMs(bind(sel.to))}`);
  for (const f of sel.filters ?? []) where.push(filterSql(f, d, bind));
  return where.join(' AND ');
}

/** Compiles a QuerySpec for the table of its dataset. */
export function compileQuery(spec: QuerySpec, d: Dialect): CompiledQuery {
  const table = TABLE_OF[spec.dataset ?? 'calls'];
  if (!table) throw new Error(`unknown dataset ${String(spec.dataset)}`);
  if (spec.dataset === 'agent_runs') checkRunSpec(spec);
  const { params, bind } = binder(d);
  const where = whereSql(spec, d, bind);
  const groups: string[] = [];
  const select: string[] = [];
  for (const g of spec.groupBy ?? []) {
    const expr = groupSql(g, d);
    groups.push(expr);
    select.push(`${expr} AS ${d.ident(g)}`);
  }
  let from = table;
  if (spec.interval) {
    const tz = spec.tz ?? 'UTC';
    let bucket = d.timeBucket(d.ident('timestamp'), spec.interval, tz);
    if (tz !== 'UTC') {
      // Converting every row's time to a zone is slow (ICU per row). Instead, map each UTC quarter hour of the
      // range to its bucket once, and join rows to the map on their quarter hour: exact, since zone offsets are
      // whole quarter hours, and an order of magnitude faster.
      const start = bind(Math.floor(spec.from / QUARTER_HOUR) * QUARTER_HOUR);
      const end = bind(spec.to);
      const map = `SELECT ts AS q, ${d.timeBucket('ts', spec.interval, tz)} AS b FROM ${d.instants(start, end, 15)} AS s`;
      from = `${table} JOIN (${map}) AS qb ON ${d.quarterHour(d.ident('timestamp'))} = qb.q`;
      bucket = 'qb.b';
    }
    groups.push(bucket);
    select.push(`${d.toEpochMs(bucket)} AS ${d.ident('bucket')}`);
  }
  const wanted = sqlMetrics(spec.metrics);
  for (const m of wanted) {
    if (!METRIC_SET.has(m)) throw new Error(`unknown metric ${String(m)}`);
    if (!PERCENTILE.test(m)) select.push(`${metricSql(m, d)} AS ${d.ident(m)}`);
  }
  for (const [column, ms] of percentileColumns(wanted)) {
    select.push(`${d.percentiles(d.ident(column), ms.map(percentileOf))} AS ${d.ident(listAlias(column))}`);
  }
  const order: string[] = [];
  if (spec.orderBy) {
    const by = spec.orderBy.metric;
    if (!METRIC_SET.has(by)) throw new Error(`unknown metric ${String(by)}`);
    // A derived metric is ordered by its SQL formula; the answer's value is still computed in finishRows.
    const expr =
      by === 'error_rate'
        ? `(${metricSql('errors', d)}) * 1.0 / COUNT(*)`
        : PERCENTILE.test(by)
          ? metricSql(by, d)
          : d.ident(by);
    if (by !== 'error_rate' && !PERCENTILE.test(by) && !wanted.includes(by)) {
      select.push(`${metricSql(by, d)} AS ${d.ident(by)}`);
    }
    // Groups without a value (a percentile of no durations) rank last either way, on every backend: PostgreSQL
    // would put them first in a descending order.
    order.push(`${expr} ${spec.orderBy.direction === 'asc' ? 'ASC' : 'DESC'} NULLS LAST`);
  }
  if (spec.interval) order.push(d.ident('bucket'));
  for (const g of spec.groupBy ?? []) order.push(`${d.ident(g)} NULLS LAST`);
  let sql = `SELECT ${select.join(', ')} FROM ${from} WHERE ${where}`;
  if (groups.length > 0) sql += ` GROUP BY ${groups.join(', ')}`;
  if (order.length > 0) sql += ` ORDER BY ${order.join(', ')}`;
  if (spec.limit !== undefined) sql += ` LIMIT ${bind(Math.max(0, Math.trunc(spec.limit)))}`;
  return { sql, params };
}

/**
 * The starts of every interval that overlaps [from, to) in tz, as epoch ms, computed by the same SQL bucket
 * expression the aggregates use, so that gap filling can never disagree with the data.
 */
export function compileBuckets(from: number, to: number, interval: Interval, tz: string, d: Dialect): CompiledQuery {
  const { params, bind } = binder(d);
  const fromP = bind(from);
  const lastP = bind(Math.max(from, to - 1));
  const bucket = d.timeBucket('ts', interval, tz);
  // 15-minute steps meet every interval, in every time zone (offsets are whole quarter hours).
  const series = `SELECT ts FROM ${d.instants(fromP, lastP, 15)} AS s UNION ALL SELECT ${d.fromEpochMs(lastP)}`;
  return {
    sql: `SELECT DISTINCT ${d.toEpochMs(bucket)} AS ${d.ident('bucket')} FROM (${series}) AS t ORDER BY 1`,
    params,
  };
}

function filterSql(f: Filter, d: Dialect, bind: Bind): string {
  if ((CONTENT_FIELDS as readonly string[]).includes(f.field)) {
    if (f.op !== 'present' && f.op !== 'absent') throw new Error(`${f.field} can only be tested for presence`);
    const has = `(${d.ident(f.field)} IS NOT NULL AND ${d.ident(f.field)} <> '')`;
    return f.op === 'present' ? has : `NOT ${has}`;
  }
  let column: string;
  if (f.field === 'tag') column = d.ident('tags');
  else if (f.field.startsWith('metadata.')) column = d.jsonText(d.ident('metadata'), f.field.slice('metadata.'.length));
  else if (DIMENSION_SET.has(f.field)) column = d.ident(f.field);
  else throw new Error(`cannot filter on ${f.field}`);
  if (f.field === 'tag') {
    if (f.op === 'present' || f.op === 'absent') {
      const some = `${column} IS NOT NULL AND ${d.listContains(column, 'NULL')} IS NOT TRUE`;
      return f.op === 'present' ? `(${some})` : `NOT (${some})`;
    }
    const any = `(${f.values.map((v) => `${d.listContains(column, bind(v))}`).join(' OR ') || 'FALSE'})`;
    return f.op === 'eq' || f.op === 'in' ? `COALESCE(${any}, FALSE)` : `NOT COALESCE(${any}, FALSE)`;
  }
  if (f.op === 'present') return `${column} IS NOT NULL`;
  if (f.op === 'absent') return `${column} IS NULL`;
  const text = f.field.startsWith('metadata.') ? column : d.asText(column);
  const any = `(${f.values.map((v) => `${text} = ${bind(v)}`).join(' OR ') || 'FALSE'})`;
  if (f.op === 'eq' || f.op === 'in') return any;
  return `(${column} IS NULL OR NOT ${any})`;
}

/** Turns driver rows into answer rows: derived metrics computed, numbers as numbers, inputs nobody asked for dropped. */
export function finishRows(rows: Record<string, unknown>[], spec: QuerySpec): QueryRow[] {
  const lists = percentileColumns(sqlMetrics(spec.metrics));
  return rows.map((r) => {
    for (const [column, ms] of lists) {
      const list = r[listAlias(column)];
      ms.forEach((m, i) => (r[m] = Array.isArray(list) ? list[i] : null));
    }
    const out: QueryRow = {};
    for (const g of spec.groupBy ?? []) out[g] = r[g] === null || r[g] === undefined ? null : String(r[g]);
    if (spec.interval) out['bucket'] = Number(r['bucket']);
    for (const m of spec.metrics) {
      const v = r[m];
      if (m === 'error_rate') {
        const calls = Number(r['calls']);
        out[m] = calls > 0 ? Number(r['errors']) / calls : 0;
      } else if (m === 'sample_ids') {
        out[m] = Array.isArray(v) ? v.map(String) : [];
      } else if (v === null || v === undefined) {
        out[m] = null;
      } else if (m === 'cost_usd') {
        // Sums of float costs carry binary noise; ten decimal places are far below a cent and equal on every backend.
        out[m] = Math.round(Number(v) * 1e10) / 1e10;
      } else if (m.startsWith('avg_')) {
        out[m] = Math.round(Number(v) * 1e6) / 1e6;
      } else {
        out[m] = Number(v);
      }
    }
    return out;
  });
}
