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
 * The user's agent runs in the period. Today an agent run is one LLM call; this is the one place that decides what
 * a run is, so agent spans can join the calls here without the routes changing.
 */
export async function agentRuns(a: Analytics, p: UserPeriod): Promise<AgentRuns> {
  const sel = selection(p);
  const [[total], outcomes, buckets, days] = await Promise.all([
    a.query({ ...sel, metrics: ['calls', 'cost_usd', 'avg_duration_ms'] }),
    a.query({ ...sel, groupBy: ['status'], metrics: ['calls'] }),
    a.buckets(p.from, p.to, 'day', 'UTC'),
    a.query({ ...sel, interval: 'day', tz: 'UTC', metrics: ['calls', 'cost_usd'] }),
  ]);
  const byOutcome: Record<string, number> = { success: 0, error: 0 };
  for (const row of outcomes) byOutcome[String(row['status'] ?? 'unknown')] = num(row['calls']);
  const byBucket = new Map(days.map((r) => [Number(r['bucket']), r]));
  const avg = total?.['avg_duration_ms'];
  return {
    runs: num(total?.['calls']),
    cost: num(total?.['cost_usd']),
    avgDurationMs: typeof avg === 'number' ? avg : null,
    byOutcome,
    daily: buckets.map((bucket) => {
      const row = byBucket.get(bucket);
      return { date: localDate(bucket, 'UTC'), cost: round(num(row?.['cost_usd']), 6), run_count: num(row?.['calls']) };
    }),
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
