import { existsSync } from 'node:fs';
import type { Dimension, Filter, Metric } from '@tally/core';
import { SUMMARY_METRICS, breakdown, pointTime, series, totals, type Metrics } from '../analytics/native.js';
import { DEFAULT_PROJECT } from '../auth/principal.js';
import { loadConfig, type ConfigFlags } from '../config.js';
import { openTally } from '../tally.js';
import { answers } from './admin-client.js';

/** A question about stored calls: a time range and dimension=value filters. */
export interface UsageQuery {
  from: number;
  to: number;
  filters: Array<[Dimension, string]>;
}

export type UsageRow = { value: string | null } & Metrics;
export type DayPoint = { date: string } & Metrics;

/** The metrics of breakdown rows and daily points. */
export const ROW_METRICS: Metric[] = ['calls', 'errors', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd'];
/** Breakdowns and lists stop at this many values (the analytics API's own bound). */
export const MAX_ROWS = 1000;

/**
 * The analytics questions `tally usage` asks of stored calls, answered by a running server over its native
 * analytics API, or by the data directory through the same functions that API runs, so both give the same numbers.
 */
export interface UsageBackend {
  readonly where: string;
  summary(q: UsageQuery): Promise<Metrics>;
  breakdown(q: UsageQuery, by: Dimension): Promise<UsageRow[]>;
  daily(q: UsageQuery): Promise<DayPoint[]>;
  close(): Promise<void>;
}

export interface BackendOptions extends ConfigFlags {
  url?: string;
  key?: string;
  project?: string;
}

/** A server when one answers at --url (or $TALLY_URL), else the data directory, opened read-and-write like `tally projects`. */
export async function connectUsage(
  env: Record<string, string | undefined>,
  opts: BackendOptions,
  note: (s: string) => void,
): Promise<UsageBackend> {
  const url = (opts.url ?? env['TALLY_URL'] ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  if (await answers(url)) return serverBackend(url, opts.key ?? env['TALLY_API_KEY'], opts.project);
  const config = loadConfig(env, opts);
  // A question must not create an empty store (and an admin token) where none was.
  const file = 'path' in config.store && config.store.path !== ':memory:' ? config.store.path : null;
  if (file !== null && !existsSync(file))
    throw new Error(
      `no Tally server answers at ${url} and there is no store at ${file}; start one with tally serve, ` +
        'or pass --url, --data or --file',
    );
  note(`no Tally server answers at ${url}; reading the data directory ${config.dataDir}`);
  return dataBackend(config, opts.project ?? DEFAULT_PROJECT, note);
}

/** Rows in a fixed order (most calls first, then by value), whoever answered. */
function ordered(rows: UsageRow[]): UsageRow[] {
  const calls = (r: UsageRow) => r['calls'] ?? 0;
  return [...rows].sort((a, b) => calls(b) - calls(a) || String(a.value).localeCompare(String(b.value)));
}

function serverBackend(url: string, key: string | undefined, project: string | undefined): UsageBackend {
  const get = async <T>(path: string, q: UsageQuery, extra: Record<string, string> = {}): Promise<T> => {
    const params = new URLSearchParams({ from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() });
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    for (const [field, value] of q.filters) params.append(field, value);
    const headers: Record<string, string> = {};
    if (key) headers['authorization'] = `Bearer ${key}`;
    if (project) headers['x-tally-project'] = project;
    const r = await fetch(`${url}/api/v1/analytics/${path}?${params}`, { headers });
    const body = (await r.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
    if (!r.ok || body === null) {
      const hint = r.status === 401 ? ' (pass a key with read access with --key or TALLY_API_KEY)' : '';
      throw new Error(
        `${url}/api/v1/analytics/${path} answered ${r.status}: ${body?.error?.message ?? r.statusText}${hint}`,
      );
    }
    return body;
  };
  return {
    where: url,
    summary: async (q) => (await get<{ metrics: Metrics }>('summary', q)).metrics,
    breakdown: async (q, by) => {
      const extra = { by, metrics: ROW_METRICS.join(','), limit: String(MAX_ROWS) };
      return ordered((await get<{ rows: UsageRow[] }>('breakdown', q, extra)).rows);
    },
    daily: async (q) => {
      const extra = { interval: 'day', tz: 'UTC', metrics: ROW_METRICS.join(',') };
      const { points } = await get<{ points: Array<DayPoint & { time: string; bucket: number }> }>(
        'timeseries',
        q,
        extra,
      );
      return points.map(({ time: _time, bucket: _bucket, ...p }) => p);
    },
    close: async () => undefined,
  };
}

async function dataBackend(
  config: ReturnType<typeof loadConfig>,
  projectId: string,
  note: (s: string) => void,
): Promise<UsageBackend> {
  const opened = await openTally(config);
  if (opened.generatedAdminToken)
    note(`Admin token (shown once, stored only as a hash):\n  ${opened.generatedAdminToken}\n`);
  const a = opened.ctx.analytics;
  // The same filters the analytics API reads from its query string.
  const sel = (q: UsageQuery) => ({
    projectId,
    from: q.from,
    to: q.to,
    filters: q.filters.map(([field, value]): Filter => ({ field, op: 'in', values: [value] })),
  });
  return {
    where: config.dataDir,
    summary: (q) => totals(a, sel(q), SUMMARY_METRICS),
    breakdown: async (q, by) => {
      const order = { metric: 'calls' as const, direction: 'desc' as const };
      return ordered((await breakdown(a, sel(q), by, ROW_METRICS, order, MAX_ROWS)).rows);
    },
    daily: async (q) => {
      const points = await series(a, sel(q), 'day', 'UTC', ROW_METRICS);
      return points.map(({ bucket, ...p }) => ({ date: pointTime(bucket, 'day', 'UTC').date ?? '', ...p }) as DayPoint);
    },
    close: () => opened.close(),
  };
}
