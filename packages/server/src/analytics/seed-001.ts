import { localDate, type CallEvent, type Filter, type QuerySpec } from '@tally/core';
import type { Analytics } from './analytics.js';
import { DAY_MS } from './params.js';
import { round } from './params.js';

/**
 * Seed 001's per-user analytics over Tally's data. The period is `days` whole UTC days ending with today: it ends at
 * the start of tomorrow (UTC) and starts `days` days earlier.
 */

export interface UserPeriod {
  projectId: string;
  userId: string;
  days: number;
  /** Inclusive start and exclusive end, epoch ms, both UTC midnights. */
  from: number;
  to: number;
}

export function userPeriod(projectId: string, userId: string, days: number, now = Date.now()): UserPeriod {
  const to = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  return { projectId, userId, days, from: to - days * DAY_MS, to };
}

/** A period bound as seed 001 writes it: `2026-01-13T00:00:00Z`. */
export function periodTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function userFilter(p: UserPeriod): Filter {
  return { field: 'user_id', op: 'eq', values: [p.userId] };
}

function selection(p: UserPeriod, ...more: Filter[]): Pick<QuerySpec, 'projectId' | 'from' | 'to' | 'filters'> {
  return { projectId: p.projectId, from: p.from, to: p.to, filters: [userFilter(p), ...more] };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export interface DailyRuns {
  date: string;
  cost: number;
  run_count: number;
}

export interface AgentRuns {
  runs: number;
  /** USD; runs without a price add nothing. */
  cost: number;
  /** Mean duration of the runs whose duration is known; null when none is. */
  avgDurationMs: number | null;
  /** Runs per status (success, error, timeout, cancelled). */
  byOutcome: Record<string, number>;
  /** Every UTC date of the period, in order. */
  daily: DailyRuns[];
}

/**
 * The user's agent runs in the period. Agent runs are the agent spans received over OpenTelemetry (`invoke_agent`,
 * pydantic-ai's `agent run`): their count, outcomes and durations are the runs'. Their cost is the cost of the
 * user's calls (model spans carry it; a run's own aggregate is never added on top). A user whose calls came without
 * agent spans (the SDK, the REST API, a proxy) has no runs: then each call counts as a run, as it always did.
 */
export async function agentRuns(a: Analytics, p: UserPeriod): Promise<AgentRuns> {
  const sel = selection(p);
  const [[runTotal], buckets] = await Promise.all([
    a.query({ ...sel, dataset: 'agent_runs', metrics: ['calls'] }),
    a.buckets(p.from, p.to, 'day', 'UTC'),
  ]);
  const source: QuerySpec['dataset'] = num(runTotal?.['calls']) > 0 ? 'agent_runs' : 'calls';
  const [[total], outcomes, runDays, costDays, [cost]] = await Promise.all([
    a.query({ ...sel, dataset: source, metrics: ['calls', 'avg_duration_ms'] }),
    a.query({ ...sel, dataset: source, groupBy: ['status'], metrics: ['calls'] }),
    a.query({ ...sel, dataset: source, interval: 'day', tz: 'UTC', metrics: ['calls'] }),
    a.query({ ...sel, interval: 'day', tz: 'UTC', metrics: ['cost_usd'] }),
    a.query({ ...sel, metrics: ['cost_usd'] }),
  ]);
  const byOutcome: Record<string, number> = { success: 0, error: 0 };
  for (const row of outcomes) byOutcome[String(row['status'] ?? 'unknown')] = num(row['calls']);
  const runsOn = new Map(runDays.map((r) => [Number(r['bucket']), num(r['calls'])]));
  const costOn = new Map(costDays.map((r) => [Number(r['bucket']), num(r['cost_usd'])]));
  const avg = total?.['avg_duration_ms'];
  return {
    runs: num(total?.['calls']),
    cost: num(cost?.['cost_usd']),
    avgDurationMs: typeof avg === 'number' ? avg : null,
    byOutcome,
    daily: buckets.map((bucket) => ({
      date: localDate(bucket, 'UTC'),
      cost: round(costOn.get(bucket) ?? 0, 6),
      run_count: runsOn.get(bucket) ?? 0,
    })),
  };
}

export interface ConversationDay {
  date: string;
  count: number;
  avg_messages: number;
}

/**
 * Conversations per UTC date: `count` is the distinct sessions active that day, `avg_messages` the user's calls in
 * a session that day divided by that count. Dates without any conversation are left out.
 */
export async function conversationStats(a: Analytics, p: UserPeriod): Promise<ConversationDay[]> {
  const rows = await a.query({
    ...selection(p, { field: 'session_id', op: 'present', values: [] }),
    interval: 'day',
    tz: 'UTC',
    metrics: ['calls', 'sessions'],
  });
  return rows
    .filter((r) => num(r['sessions']) > 0)
    .map((r) => ({
      date: localDate(Number(r['bucket']), 'UTC'),
      count: num(r['sessions']),
      avg_messages: round(num(r['calls']) / num(r['sessions']), 2),
    }));
}

/** The whole seed 001 answer for a user; zeros and empty arrays when the user did nothing in the period. */
export async function userAnalytics(a: Analytics, p: UserPeriod) {
  const [runs, conversations] = await Promise.all([agentRuns(a, p), conversationStats(a, p)]);
  const success = runs.byOutcome['success'] ?? 0;
  return {
    user_id: p.userId,
    period: { start: periodTime(p.from), end: periodTime(p.to), days: p.days },
    summary: {
      total_cost: round(runs.cost, 6),
      total_agent_runs: runs.runs,
      avg_duration_ms: round(runs.avgDurationMs ?? 0, 2),
      success_rate: runs.runs === 0 ? 0 : round(success / runs.runs, 4),
    },
    daily_costs: runs.runs === 0 ? [] : runs.daily,
    agent_runs_by_outcome: runs.byOutcome,
    conversation_stats: conversations,
  };
}

/** The user's stored calls in the period, newest first, as GET /api/v1/analytics/events returns them. */
export async function userCalls(a: Analytics, p: UserPeriod, limit: number): Promise<CallEvent[]> {
  const page = await a.events({ ...selection(p), order: 'desc', limit });
  return page.events;
}
