import {
  addDays,
  fromWallClock,
  localDate,
  startOfLocalDay,
  wallClock,
  type CallEvent,
  type Filter,
} from '@tally/core';
import type { BudgetRecord } from '@tally/storage';
import type { GateRequest } from './budget-gate.js';

const HOUR_MS = 3_600_000;

/** The stretch of time a budget counts now: [start, end), and when it starts over (null for a rolling window). */
export interface PeriodWindow {
  start: number;
  end: number;
  resetsAt: number | null;
  /**
   * Names this period for "once per threshold per period": the period's start for calendar periods; for a rolling
   * window, the start of the window-long slot `now` falls in, so a rolling budget announces a threshold at most
   * once per window length.
   */
  key: number;
}

/** The period of a budget that holds `now`: the calendar day or month in the budget's zone, or the last N hours. */
export function periodWindow(b: Pick<BudgetRecord, 'period' | 'window_hours' | 'tz'>, now: number): PeriodWindow {
  if (b.period === 'rolling') {
    const length = (b.window_hours ?? 24) * HOUR_MS;
    // The window runs on from now: calls committed after this reading count until the next one (ingest accepts
    // timestamps up to a day ahead).
    return { start: now - length, end: now + 24 * HOUR_MS, resetsAt: null, key: Math.floor(now / length) * length };
  }
  if (b.period === 'day') {
    const today = localDate(now, b.tz);
    const start = startOfLocalDay(today, b.tz);
    const end = startOfLocalDay(addDays(today, 1), b.tz);
    return { start, end, resetsAt: end, key: start };
  }
  const w = wallClock(now, b.tz);
  const start = fromWallClock({ year: w.year, month: w.month, day: 1, hour: 0, minute: 0 }, b.tz);
  const next = w.month === 12 ? { year: w.year + 1, month: 1 } : { year: w.year, month: w.month + 1 };
  const end = fromWallClock({ ...next, day: 1, hour: 0, minute: 0 }, b.tz);
  return { start, end, resetsAt: end, key: start };
}

/** The query filters of a budget's scope within its project. */
export function scopeFilters(b: BudgetRecord): Filter[] {
  const filters: Filter[] = [];
  for (const field of ['user_id', 'agent_name', 'api_key_id', 'model'] as const) {
    const v = b[field];
    if (v !== null) filters.push({ field, op: 'eq', values: [v] });
  }
  return filters;
}

/** Whether a stored call counts against a budget (its project and scope; not its time). */
export function callInScope(b: BudgetRecord, c: CallEvent): boolean {
  return (
    c.project_id === b.project_id &&
    (b.user_id === null || c.user_id === b.user_id) &&
    (b.agent_name === null || c.agent_name === b.agent_name) &&
    (b.api_key_id === null || c.api_key_id === b.api_key_id) &&
    (b.model === null || c.model === b.model)
  );
}

/** Whether a request the proxy is about to forward falls in a budget's scope. */
export function requestInScope(b: BudgetRecord, r: GateRequest): boolean {
  return (
    r.projectId === b.project_id &&
    (b.user_id === null || r.userId === b.user_id) &&
    (b.agent_name === null || r.agentName === b.agent_name) &&
    (b.api_key_id === null || r.apiKeyId === b.api_key_id) &&
    (b.model === null || r.model === b.model)
  );
}

/** What a call adds to a budget's metric. */
export function callAmount(b: Pick<BudgetRecord, 'metric'>, c: CallEvent): number {
  if (b.metric === 'calls') return 1;
  if (b.metric === 'tokens') return c.total_tokens ?? 0;
  return c.cost_usd ?? 0;
}
