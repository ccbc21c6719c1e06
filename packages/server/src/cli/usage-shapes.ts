import type { IdList, SkippedLine, UsageStats, UsageSummary, UserReport } from '@tally/sdk';

/** Seed 002's `UsageStats` without the report of skipped lines. */
export type UsageTotals = UsageSummary['overall_stats'];
export type Breakdown = UsageTotals['by_model'][string];
export type PeriodTotals = UserReport['last_30_days'];

interface Skips {
  skipped: SkippedLine[];
  skipped_total: number;
}

/** A store skips no lines. */
export const NO_SKIPS: Skips = Object.freeze({ skipped: [], skipped_total: 0 }) as Skips;

/** Ten decimals of a dollar: the price book's own precision, far below float noise in sums. */
export const roundCost = (usd: number): number => Math.round(usd * 1e10) / 1e10;
/** Six decimals of a millisecond, as the store rounds its averages. */
export const roundMs = (ms: number): number => Math.round(ms * 1e6) / 1e6;

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A map's entries most calls first, then by key, so that the same figures print the same JSON. */
function ordered<T>(map: Record<string, T>, calls: (t: T) => number, shape: (t: T) => T): Record<string, T> {
  const entries = Object.entries(map).sort(([ka, a], [kb, b]) => calls(b) - calls(a) || byCode(ka, kb));
  return Object.fromEntries(entries.map(([k, v]) => [k, shape(v)]));
}

const breakdown = (b: Breakdown): Breakdown => ({
  calls: b.calls,
  input_tokens: b.input_tokens,
  output_tokens: b.output_tokens,
  total_tokens: b.total_tokens,
  cost_estimate: roundCost(b.cost_estimate),
});

const period = (p: PeriodTotals): PeriodTotals => ({
  total_calls: p.total_calls,
  total_tokens: p.total_tokens,
  total_cost_estimate: roundCost(p.total_cost_estimate),
});

const skips = (s: Skips): Skips => ({ skipped: s.skipped, skipped_total: s.skipped_total });

/*
 * The canonical forms below fix key order, map order and rounding, so that an answer read from a JSONL file and
 * the same answer read from a store print byte for byte the same JSON.
 */

export function canonicalTotals(t: UsageTotals): UsageTotals {
  return {
    total_calls: t.total_calls,
    successful_calls: t.successful_calls,
    failed_calls: t.failed_calls,
    total_input_tokens: t.total_input_tokens,
    total_output_tokens: t.total_output_tokens,
    total_tokens: t.total_tokens,
    avg_latency_ms: roundMs(t.avg_latency_ms),
    total_cost_estimate: roundCost(t.total_cost_estimate),
    by_model: ordered(t.by_model, (b) => b.calls, breakdown),
    by_operation: ordered(t.by_operation, (b) => b.calls, breakdown),
  };
}

export function canonicalStats(s: UsageStats): UsageStats {
  return { ...canonicalTotals(s), ...skips(s) };
}

export function canonicalSummary(s: UsageSummary): UsageSummary {
  return {
    overall_stats: canonicalTotals(s.overall_stats),
    unique_counts: {
      users: s.unique_counts.users,
      sessions: s.unique_counts.sessions,
      sources: s.unique_counts.sources,
    },
    by_provider: ordered(s.by_provider, (b) => b.calls, breakdown),
    by_api_type: ordered(s.by_api_type, (b) => b.calls, breakdown),
    time_range: { first_call: s.time_range.first_call, last_call: s.time_range.last_call },
    ...skips(s),
  };
}

export function canonicalReport(r: UserReport): UserReport {
  return {
    user_id: r.user_id,
    generated_at: r.generated_at,
    overall_stats: canonicalTotals(r.overall_stats),
    last_30_days: period(r.last_30_days),
    total_sessions: r.total_sessions,
    sessions: ordered(r.sessions, (p) => p.total_calls, period),
    ...skips(r),
  };
}

export function canonicalList(l: IdList): IdList {
  const ids = l.ids.map((i) => ({ id: i.id, calls: i.calls })).sort((a, b) => byCode(a.id, b.id));
  return { ids, ...skips(l) };
}
