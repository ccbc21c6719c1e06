import {
  NUMERIC_METRICS,
  isAdditive,
  localDate,
  type Dimension,
  type Filter,
  type Interval,
  type Metric,
  type QueryRow,
  type QuerySpec,
} from '@tally/core';
import type { Analytics } from './analytics.js';
import { badParam } from './params.js';

/** The metrics a summary reports: every numeric metric. */
export const SUMMARY_METRICS = NUMERIC_METRICS;

export const MAX_POINTS = 5000;

export interface Selection {
  projectId: string;
  from: number;
  to: number;
  filters: Filter[];
}

export type Metrics = Record<string, number | null>;

function pickMetrics(row: QueryRow | undefined, metrics: readonly Metric[]): Metrics {
  const out: Metrics = {};
  for (const m of metrics) {
    const v = row?.[m];
    out[m] = typeof v === 'number' ? v : isAdditive(m) ? 0 : null;
  }
  return out;
}

export async function totals(a: Analytics, sel: Selection, metrics: readonly Metric[]): Promise<Metrics> {
  const [row] = await a.query({ ...sel, metrics: [...metrics] });
  return pickMetrics(row, metrics);
}

/** Relative change from `before` to `now` per metric: 0.25 is +25 %; null when there is nothing to compare with. */
export function change(now: Metrics, before: Metrics): Metrics {
  const out: Metrics = {};
  for (const [k, v] of Object.entries(now)) {
    const b = before[k];
    out[k] = v === null || b === null || b === undefined || b === 0 ? null : Math.round(((v - b) / b) * 1e6) / 1e6;
  }
  return out;
}

export interface Point extends Metrics {
  bucket: number;
}

/**
 * One point per interval in [from, to), zeros where nothing happened (null for averages and percentiles). The
 * interval starts come from the store, computed with the same bucket expression as the aggregates.
 */
export async function series(
  a: Analytics,
  sel: Selection,
  interval: Interval,
  tz: string,
  metrics: readonly Metric[],
  extra: Partial<QuerySpec> = {},
): Promise<Point[]> {
  const buckets = await a.buckets(sel.from, sel.to, interval, tz);
  if (buckets.length > MAX_POINTS) {
    throw badParam(
      'interval',
      `would give ${buckets.length} points (at most ${MAX_POINTS}); choose a longer interval or a shorter range`,
    );
  }
  const rows = await a.query({ ...sel, ...extra, interval, tz, metrics: [...metrics] });
  const byBucket = new Map(rows.map((r) => [Number(r['bucket']), r]));
  return buckets.map((bucket) => ({ bucket, ...pickMetrics(byBucket.get(bucket), metrics) }));
}

export function pointTime(bucket: number, interval: Interval, tz: string): { time: string; date?: string } {
  const time = new Date(bucket).toISOString();
  return interval === 'hour' ? { time } : { time, date: localDate(bucket, tz) };
}

export type BreakdownRow = { value: string | null } & Metrics;

/** The top `limit` groups of a dimension by `order`, and everything else folded into one `other` row. */
export async function breakdown(
  a: Analytics,
  sel: Selection,
  by: Dimension,
  metrics: readonly Metric[],
  order: { metric: Metric; direction: 'asc' | 'desc' },
  limit: number,
): Promise<{ rows: BreakdownRow[]; other: Metrics | null }> {
  const top = await a.query({ ...sel, groupBy: [by], metrics: [...metrics], orderBy: order, limit });
  const rows: BreakdownRow[] = top.map(
    (r) => ({ ...pickMetrics(r, metrics), value: r[by] as string | null }) as BreakdownRow,
  );
  const named = rows.map((r) => r.value).filter((v): v is string => v !== null);
  const rest: Filter[] = [...sel.filters];
  if (named.length > 0) rest.push({ field: by, op: 'not_in', values: named });
  if (rows.some((r) => r.value === null)) rest.push({ field: by, op: 'present', values: [] });
  const [otherRow] = await a.query({ ...sel, filters: rest, metrics: [...metrics, 'calls'] });
  const other = otherRow && Number(otherRow['calls']) > 0 ? pickMetrics(otherRow, metrics) : null;
  return { rows, other };
}

export const LATENCY_FIELDS = ['avg', 'p50', 'p90', 'p95', 'p99'] as const;
export const LATENCY_METRICS: Metric[] = [
  'calls',
  ...LATENCY_FIELDS.map((f) => `${f}_duration_ms` as Metric),
  ...LATENCY_FIELDS.map((f) => `${f}_ttft_ms` as Metric),
];

/** `{duration_ms: {avg, p50, …}, ttft_ms: {…}}` from a row of latency metrics. */
export function latencyShape(row: Metrics): { duration_ms: Metrics; ttft_ms: Metrics } {
  const part = (col: string) => Object.fromEntries(LATENCY_FIELDS.map((f) => [f, row[`${f}_${col}`] ?? null]));
  return { duration_ms: part('duration_ms'), ttft_ms: part('ttft_ms') };
}

export const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
