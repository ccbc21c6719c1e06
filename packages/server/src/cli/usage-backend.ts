import type { Dimension, Filter, Metric, QueryRow } from '@tally/core';
import { totals, type Metrics, type Selection } from '../analytics/native.js';
import type { OpenTally } from '../tally.js';

/** A question about stored calls: a time range [from, to) in epoch ms and dimension=value filters. */
export interface UsageQuery {
  from: number;
  to: number;
  filters: Array<[Dimension, string]>;
}

/** The sums a breakdown reports. Each adds up across time ranges, so a breakdown can be read in parts. */
export const GROUP_METRICS = [
  'calls',
  'errors',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cost_usd',
] as const satisfies readonly Metric[];
export type GroupMetric = (typeof GROUP_METRICS)[number];
export type UsageRow = { value: string | null } & Record<GroupMetric, number>;

/** The totals of a selection: the sums, the mean latency and the distinct users and sessions. */
export const TOTAL_METRICS: Metric[] = [...GROUP_METRICS, 'avg_duration_ms', 'users', 'sessions'];

/** When the first and the last selected call started, epoch ms; null when there is none. */
export interface CallSpan {
  first: number | null;
  last: number | null;
}

/**
 * The questions `tally usage` asks of stored calls, answered by a running server over its native analytics API or
 * by the data directory through the store queries that API runs, so both give the same numbers. Every answer is
 * complete: however many users, sessions or sources there are, `groups` returns all of them.
 */
export interface UsageBackend {
  /** The server's URL or the data directory, for messages. */
  readonly where: string;
  totals(q: UsageQuery): Promise<Metrics>;
  groups(q: UsageQuery, by: Dimension): Promise<UsageRow[]>;
  span(q: UsageQuery): Promise<CallSpan>;
  close(): Promise<void>;
}

/** A row of group sums from a store row; absent sums are 0. */
export function usageRow(value: string | null, r: Partial<Record<string, unknown>>): UsageRow {
  const row = { value } as UsageRow;
  for (const m of GROUP_METRICS) row[m] = Number(r[m] ?? 0);
  return row;
}

/** The data directory opened in this process, read through the store queries the analytics API runs. */
export function dataBackend(opened: OpenTally, dataDir: string, projectId: string): UsageBackend {
  const { analytics: a, projects } = opened.ctx;
  projects.require(projectId);
  // The same filters the analytics API reads from its query string.
  const sel = (q: UsageQuery): Selection => ({
    projectId,
    from: q.from,
    to: q.to,
    filters: q.filters.map(([field, value]): Filter => ({ field, op: 'in', values: [value] })),
  });
  return {
    where: dataDir,
    totals: (q) => totals(a, sel(q), TOTAL_METRICS),
    // No row limit here: the HTTP API's bound protects a server, and this process reads its own store.
    groups: async (q, by) =>
      (await a.query({ ...sel(q), groupBy: [by], metrics: [...GROUP_METRICS] })).map((r: QueryRow) =>
        usageRow(r[by] as string | null, r),
      ),
    span: async (q) => {
      const [r] = await a.query({ ...sel(q), metrics: ['calls', 'first_seen', 'last_seen'] });
      if (!r || Number(r['calls']) === 0) return { first: null, last: null };
      return { first: Number(r['first_seen']), last: Number(r['last_seen']) };
    },
    close: () => opened.close(),
  };
}
