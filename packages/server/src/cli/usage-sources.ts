import { UsageAnalyzer, type IdList, type UsageStats, type UsageSummary, type UserReport } from '@tally/sdk';
import type { Dimension } from '@tally/core';
import { DAY_MS } from '../analytics/params.js';
import { DEFAULT_PROJECT } from '../auth/principal.js';
import { connect, type ConnectOptions } from './connect.js';
import { dataBackend, type UsageBackend, type UsageQuery, type UsageRow } from './usage-backend.js';
import { serverBackend } from './usage-server-backend.js';
import {
  NO_SKIPS,
  canonicalList,
  canonicalReport,
  canonicalStats,
  canonicalSummary,
  type Breakdown,
  type PeriodTotals,
  type UsageTotals,
} from './usage-shapes.js';

export type IdField = 'user_id' | 'session_id' | 'source_id';

/** One user, session or source. */
export interface Subject {
  field: IdField;
  id: string;
}

/**
 * Seed 002's usage questions, answered in seed 002's shapes, canonical (see usage-shapes.ts): a JSONL file and a
 * store holding the same calls give the same answers, key for key.
 */
export interface UsageSource {
  summary(): Promise<UsageSummary>;
  /** The totals of a subject (of every call when null), of the last `days` days or of all time. */
  stats(subject: Subject | null, days: number | null): Promise<UsageStats>;
  report(userId: string): Promise<UserReport>;
  /** Every id of a field, with its calls; sessions of one user when `userId` is given. */
  list(field: IdField, userId?: string): Promise<IdList>;
  close(): Promise<void>;
}

/** A JSONL file, read by the SDK's UsageAnalyzer with the clock stopped at `now`. */
export function fileSource(path: string, now: number): UsageSource {
  const analyzer = new UsageAnalyzer({ path, now: () => new Date(now) });
  return {
    summary: async () => canonicalSummary(await analyzer.getUsageSummary()),
    stats: async (subject, days) => {
      if (subject === null && days !== null) return canonicalStats(await analyzer.getUsageByTimePeriod(days));
      if (subject === null) {
        const { overall_stats, skipped, skipped_total } = await analyzer.getUsageSummary();
        return canonicalStats({ ...overall_stats, skipped, skipped_total });
      }
      const range = days === null ? {} : { start_date: new Date(now - days * DAY_MS) };
      const read = {
        user_id: () => analyzer.getUserUsage(subject.id, range),
        session_id: () => analyzer.getSessionUsage(subject.id, range),
        source_id: () => analyzer.getSourceUsage(subject.id, range),
      }[subject.field];
      return canonicalStats(await read());
    },
    report: async (userId) => canonicalReport(await analyzer.exportUserReport(userId)),
    list: async (field, userId) => {
      const read = {
        user_id: () => analyzer.listUsers(),
        session_id: () => analyzer.listSessions(userId),
        source_id: () => analyzer.listSources(),
      }[field];
      return canonicalList(await read());
    },
    close: async () => undefined,
  };
}

export interface StoreOptions extends ConnectOptions {
  key?: string;
  project?: string;
}

/**
 * The store of a running server or of the data directory, as `connect` decides (a server named by --url or
 * `$TALLY_URL` must answer; the data directory must already hold a store, since a question never creates one).
 *
 * @example
 *   const source = await openStore(process.env, { url: 'http://tally.internal:8000', key }, Date.now(), console.error);
 *   console.log((await source.list('user_id')).ids);
 */
export async function openStore(
  env: Record<string, string | undefined>,
  opts: StoreOptions,
  now: number,
  note: (s: string) => void,
): Promise<UsageSource> {
  const c = await connect(env, opts, { note, existingStoreOnly: true });
  if (c.kind === 'server')
    return storeSource(serverBackend(c.url, opts.key ?? env['TALLY_API_KEY'], opts.project), now);
  try {
    return storeSource(dataBackend(c.opened, c.dataDir, opts.project ?? DEFAULT_PROJECT), now);
  } catch (e) {
    await c.opened.close();
    throw e;
  }
}

// Ingest refuses calls more than a day ahead of its clock, so two days ahead of now bounds every stored call.
const AHEAD_MS = 2 * DAY_MS;
const UNKNOWN = 'unknown';

/** Seed 002's breakdown map from store rows: calls without a value count under `unknown`, as in a file. */
function breakdowns(rows: UsageRow[]): Record<string, Breakdown> {
  const out: Record<string, Breakdown> = {};
  for (const r of rows) {
    const b = (out[r.value ?? UNKNOWN] ??= {
      calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      cost_estimate: 0,
    });
    b.calls += r.calls;
    b.input_tokens += r.input_tokens;
    b.output_tokens += r.output_tokens;
    b.total_tokens += r.total_tokens;
    b.cost_estimate += r.cost_usd;
  }
  return out;
}

const named = (rows: UsageRow[]) => rows.filter((r): r is UsageRow & { value: string } => r.value !== null);
const periodOf = (r: { calls: number; total_tokens: number; cost_usd: number }): PeriodTotals => ({
  total_calls: r.calls,
  total_tokens: r.total_tokens,
  total_cost_estimate: r.cost_usd,
});

/** Seed 002's answers computed from a backend's totals and complete breakdowns. */
export function storeSource(b: UsageBackend, now: number): UsageSource {
  const query = (filters: UsageQuery['filters'], days: number | null = null): UsageQuery => ({
    from: days === null ? 0 : now - days * DAY_MS,
    to: now + AHEAD_MS,
    filters,
  });
  const usageTotals = async (q: UsageQuery): Promise<UsageTotals & { users: number; sessions: number }> => {
    const t = await b.totals(q);
    const n = (k: string) => t[k] ?? 0;
    return {
      total_calls: n('calls'),
      successful_calls: n('calls') - n('errors'),
      failed_calls: n('errors'),
      total_input_tokens: n('input_tokens'),
      total_output_tokens: n('output_tokens'),
      total_tokens: n('total_tokens'),
      avg_latency_ms: n('avg_duration_ms'),
      total_cost_estimate: n('cost_usd'),
      by_model: breakdowns(await b.groups(q, 'model')),
      by_operation: breakdowns(await b.groups(q, 'operation')),
      users: n('users'),
      sessions: n('sessions'),
    };
  };
  const stats = async (q: UsageQuery) => {
    const { users: _u, sessions: _s, ...t } = await usageTotals(q);
    return t;
  };
  return {
    summary: async () => {
      const all = query([]);
      const { users, sessions, ...overall } = await usageTotals(all);
      const span = await b.span(all);
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return canonicalSummary({
        overall_stats: overall,
        unique_counts: { users, sessions, sources: named(await b.groups(all, 'source_id')).length },
        by_provider: breakdowns(await b.groups(all, 'provider')),
        by_api_type: breakdowns(await b.groups(all, 'api_type')),
        time_range: { first_call: iso(span.first), last_call: iso(span.last) },
        ...NO_SKIPS,
      });
    },
    stats: async (subject, days) =>
      canonicalStats({ ...(await stats(query(subject ? [[subject.field, subject.id]] : [], days))), ...NO_SKIPS }),
    report: async (userId) => {
      const q = query([['user_id', userId]]);
      const recent = await b.totals(query([['user_id', userId]], 30));
      const sessions = named(await b.groups(q, 'session_id'));
      return canonicalReport({
        user_id: userId,
        generated_at: new Date(now).toISOString(),
        overall_stats: await stats(q),
        last_30_days: periodOf({
          calls: recent['calls'] ?? 0,
          total_tokens: recent['total_tokens'] ?? 0,
          cost_usd: recent['cost_usd'] ?? 0,
        }),
        total_sessions: sessions.length,
        sessions: Object.fromEntries(sessions.map((s) => [s.value, periodOf(s)])),
        ...NO_SKIPS,
      });
    },
    list: async (field, userId) => {
      const filters: UsageQuery['filters'] = userId === undefined ? [] : [['user_id', userId]];
      const rows = named(await b.groups(query(filters), field as Dimension));
      return canonicalList({ ids: rows.map((r) => ({ id: r.value, calls: r.calls })), ...NO_SKIPS });
    },
    close: () => b.close(),
  };
}
