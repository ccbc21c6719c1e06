import { localDate, type Filter, type Metric } from '@tally/core';
import { TallyError } from '../errors.js';
import type { Analytics } from './analytics.js';
import { DAY_MS, nowSecond, resolveTz } from './params.js';
import { round, wholeNumber } from './params.js';
import { oneOf, requiredText } from './seed-000-001-params.js';

/**
 * Seed 000's agent analytics over Tally's calls: a message is a call, sessions and users are distinct `session_id`
 * and `user_id`, prompt and completion tokens are `input_tokens` and `output_tokens`. The range is the last
 * `days` × 24 hours ending now; its dates are read in `tz` (UTC by default).
 */

/** The look-back periods seed 000 allows. */
export const AGENT_DAYS = [1, 2, 7, 15, 20] as const;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface AgentScope {
  projectId: string;
  agentName: string;
  agentVersion: string;
  days: number;
  tz: string;
  /** Inclusive start and exclusive end, epoch ms. */
  from: number;
  to: number;
  filters: Filter[];
}

/** Reads and checks the parameters every seed 000 route takes. */
export function agentScope(query: Record<string, unknown>, projectId: string, now = nowSecond()): AgentScope {
  const agentName = requiredText(query['agent_name'], 'agent_name', 'the agent to report on, e.g. Calculator Bot');
  const agentVersion = requiredText(query['agent_version'], 'agent_version', 'the version of the agent, e.g. 1.0.0');
  const days = oneOf(query['days'], 'days', AGENT_DAYS);
  const tz = resolveTz(typeof query['tz'] === 'string' ? query['tz'] : undefined);
  return {
    projectId,
    agentName,
    agentVersion,
    days,
    tz,
    from: now - days * DAY_MS,
    to: now,
    filters: [
      { field: 'agent_name', op: 'eq', values: [agentName] },
      { field: 'agent_version', op: 'eq', values: [agentVersion] },
    ],
  };
}

/** The `limit` of the routes that list calls. */
export function listLimit(raw: unknown): number {
  return wholeNumber(raw, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
}

/** The fields every seed 000 answer starts with. */
export function agentHead(scope: AgentScope) {
  return {
    agent_name: scope.agentName,
    agent_version: scope.agentVersion,
    date_range: { start_date: localDate(scope.from, scope.tz), end_date: localDate(scope.to - 1, scope.tz) },
  };
}

export interface AgentTotals {
  calls: number;
  sessions: number;
  users: number;
  input_tokens: number;
  output_tokens: number;
}

const TOTALS = ['calls', 'sessions', 'users', 'input_tokens', 'output_tokens'] as const satisfies Metric[];

/** The agent's totals over the range; a 404 when it made no calls in it, as seed 000 answers. */
export async function agentTotals(a: Analytics, scope: AgentScope): Promise<AgentTotals> {
  const [row] = await a.query({ ...selection(scope), metrics: [...TOTALS] });
  const totals = Object.fromEntries(TOTALS.map((m) => [m, Number(row?.[m] ?? 0)])) as unknown as AgentTotals;
  if (totals.calls === 0) {
    throw new TallyError(
      'not_found',
      `agent ${scope.agentName} version ${scope.agentVersion} has no data in the last ${scope.days} days; check the name and version (they are case-sensitive) or choose a longer period`,
    );
  }
  return totals;
}

export function agentMetrics(scope: AgentScope, t: AgentTotals) {
  return {
    total_sessions: t.sessions,
    total_messages: t.calls,
    avg_daily_messages: round(t.calls / scope.days, 2),
    total_users: t.users,
  };
}

/** One entry per date of the range in the scope's time zone, 0 where the agent was idle. */
export async function dailySeries<M extends Metric>(
  a: Analytics,
  scope: AgentScope,
  metrics: readonly M[],
): Promise<({ date: string } & Record<M, number>)[]> {
  const [buckets, rows] = await Promise.all([
    a.buckets(scope.from, scope.to, 'day', scope.tz),
    a.query({ ...selection(scope), interval: 'day', tz: scope.tz, metrics: [...metrics] }),
  ]);
  const byBucket = new Map(rows.map((r) => [Number(r['bucket']), r]));
  return buckets.map((bucket) => {
    const row = byBucket.get(bucket);
    const values = Object.fromEntries(metrics.map((m) => [m, Number(row?.[m] ?? 0)])) as Record<M, number>;
    return { date: localDate(bucket, scope.tz), ...values };
  });
}

/** An instant as seed 000 writes it: UTC, to the second, without a zone (`2024-12-05T14:30:00`). */
export function seedTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The agent's newest calls, one usage log each. */
export async function usageLogs(a: Analytics, scope: AgentScope, limit: number) {
  const page = await a.events({ ...selection(scope), order: 'desc', limit });
  return page.events.map((e) => ({
    timestamp: seedTimestamp(e.timestamp),
    agent_name: e.agent_name ?? scope.agentName,
    total_tokens: e.total_tokens ?? (e.input_tokens ?? 0) + (e.output_tokens ?? 0),
    prompt_tokens: e.input_tokens ?? 0,
    completion_tokens: e.output_tokens ?? 0,
    duration_seconds: e.duration_ms === null ? null : e.duration_ms / 1000,
  }));
}

/**
 * The agent's newest replies: the `output_text` of its calls, newest first. Calls whose text was not stored (the
 * project's capture policy is `none`, or the client sent none) have no message and are left out.
 */
export async function recentMessages(a: Analytics, scope: AgentScope, limit: number) {
  const withReply = { field: 'output_text' as const, op: 'present' as const, values: [] };
  const sel = selection(scope);
  const page = await a.events({ ...sel, filters: [...sel.filters, withReply], order: 'desc', limit });
  const found = page.events;
  return found.slice(0, limit).map((e) => ({
    timestamp: seedTimestamp(e.timestamp),
    session_id: e.session_id,
    message_length: [...e.output_text!].length,
    agent_name: e.agent_name ?? scope.agentName,
    model_name: e.model,
    message: e.output_text!,
  }));
}

function selection(scope: AgentScope) {
  return { projectId: scope.projectId, from: scope.from, to: scope.to, filters: scope.filters };
}
