import type { Dimension } from '@tally/core';
import type { Metrics } from '../analytics/native.js';
import {
  GROUP_METRICS,
  TOTAL_METRICS,
  usageRow,
  type UsageBackend,
  type UsageQuery,
  type UsageRow,
} from './usage-backend.js';

/** The most rows one breakdown answer holds (the analytics API's bound) and the most calls of one events page. */
export const PAGE_ROWS = 1000;

interface BreakdownAnswer {
  rows: Array<{ value: string | null } & Metrics>;
  other: Metrics | null;
}

interface EventsAnswer {
  events: Array<Record<string, unknown>>;
  next_cursor: string | null;
}

/**
 * A running server, asked over its native analytics API. A breakdown answer stops at 1,000 rows and folds the rest
 * into `other`; when it does, the time range is halved and each half asked again, and the halves' sums added up
 * (every group metric is a sum), so every user, session and source is listed however many there are.
 */
export function serverBackend(url: string, key: string | undefined, project: string | undefined): UsageBackend {
  const headers: Record<string, string> = {};
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (project) headers['x-tally-project'] = project;

  const get = async <T>(path: string, q: UsageQuery, from: number, to: number, extra: Record<string, string>) => {
    const params = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    for (const [field, value] of q.filters) params.append(field, value);
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

  /** The start of the newest selected call in [from, to), or null. */
  const newest = async (q: UsageQuery, from: number, to: number): Promise<number | null> => {
    const { events } = await get<EventsAnswer>('events', q, from, to, { limit: '1' });
    return events[0] === undefined ? null : timeOf(events[0]['timestamp']);
  };

  /** Adds the calls of [from, to) to `into` one by one: for a millisecond holding over 1,000 values. */
  const fromEvents = async (q: UsageQuery, by: Dimension, from: number, to: number, into: Map<string, UsageRow>) => {
    let cursor: string | null = null;
    do {
      const extra: Record<string, string> = { limit: String(PAGE_ROWS), ...(cursor ? { cursor } : {}) };
      const page: EventsAnswer = await get<EventsAnswer>('events', q, from, to, extra);
      for (const e of page.events) {
        const raw = e[by];
        addRow(into, usageRow(raw === null || raw === undefined ? null : String(raw), eventSums(e)));
      }
      cursor = page.next_cursor;
    } while (cursor !== null);
  };

  return {
    where: url,
    totals: async (q) => {
      const { metrics } = await get<{ metrics: Metrics }>('summary', q, q.from, q.to, {});
      return Object.fromEntries(TOTAL_METRICS.map((m) => [m, metrics[m] ?? null]));
    },
    groups: async (q, by) => {
      const rows = new Map<string, UsageRow>();
      const extra = { by, metrics: GROUP_METRICS.join(','), limit: String(PAGE_ROWS) };
      const visit = async (from: number, to: number): Promise<void> => {
        const answer = await get<BreakdownAnswer>('breakdown', q, from, to, extra);
        if (answer.other === null) {
          for (const r of answer.rows) addRow(rows, usageRow(r.value, r));
        } else if (to - from <= 1) {
          await fromEvents(q, by, from, to, rows);
        } else {
          const mid = from + Math.floor((to - from) / 2);
          await visit(from, mid);
          await visit(mid, to);
        }
      };
      await visit(q.from, q.to);
      return [...rows.values()];
    },
    span: async (q) => {
      const last = await newest(q, q.from, q.to);
      if (last === null) return { first: null, last: null };
      // Bisection on "is there a call in [lo, mid]": the API reads calls newest first, so the oldest is searched.
      let lo = q.from;
      let hi = last;
      while (lo < hi) {
        const mid = lo + Math.floor((hi - lo) / 2);
        const found = await newest(q, lo, mid + 1);
        if (found === null) lo = mid + 1;
        else hi = found;
      }
      return { first: hi, last };
    },
    close: async () => undefined,
  };
}

/** Sums rows of the same value: the parts of a breakdown read range by range. */
function addRow(into: Map<string, UsageRow>, row: UsageRow): void {
  const k = row.value === null ? '\u0000null' : `=${row.value}`;
  const seen = into.get(k);
  if (seen === undefined) {
    into.set(k, row);
    return;
  }
  for (const m of GROUP_METRICS) seen[m] += row[m];
}

/** A stored call's group sums, as the store's SQL computes them (a status other than success is an error). */
function eventSums(e: Record<string, unknown>): Record<string, number> {
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    calls: 1,
    errors: e['status'] === 'success' ? 0 : 1,
    input_tokens: n(e['input_tokens']),
    output_tokens: n(e['output_tokens']),
    total_tokens: n(e['total_tokens']),
    cost_usd: n(e['cost_usd']),
  };
}

function timeOf(v: unknown): number {
  const ms = typeof v === 'number' ? v : Date.parse(String(v));
  if (!Number.isFinite(ms)) throw new Error(`the server sent a call without a readable timestamp: ${String(v)}`);
  return ms;
}
