import { count, ms, pct, usd } from '../../format.js';
import type { AlertMetric, AlertRule, Budget, BudgetMetric } from './types.js';

/** How budgets and alert rules read on screen: amounts in their unit, periods and scopes in words. */

export function amount(metric: BudgetMetric, n: number | null | undefined): string {
  return metric === 'cost_usd' ? usd(n) : count(n === null || n === undefined ? n : Math.round(n));
}

export function percentText(p: number): string {
  return `${p.toFixed(1)}%`;
}

/** "rolling 48 h", "daily (UTC)", "monthly (Europe/Paris)": lower case, to follow the metric in a sentence. */
export function periodText(b: Pick<Budget, 'period' | 'window_hours' | 'tz'>): string {
  if (b.period === 'rolling') return `rolling ${b.window_hours ?? '?'} h`;
  return `${b.period === 'day' ? 'daily' : 'monthly'} (${b.tz})`;
}

export const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** What a budget counts: its scope in words, or the whole project. */
export function scopeText(b: Pick<Budget, 'user_id' | 'agent_name' | 'model' | 'api_key_id'>): string {
  const parts = [
    b.model ? `model ${b.model}` : null,
    b.agent_name ? `agent ${b.agent_name}` : null,
    b.user_id ? `user ${b.user_id}` : null,
    b.api_key_id ? `key ${b.api_key_id}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'Whole project';
}

export type BudgetState = 'ok' | 'warning' | 'exceeded';

export function budgetState(b: Pick<Budget, 'percent' | 'thresholds_crossed'>): BudgetState {
  if (b.percent >= 100) return 'exceeded';
  return b.thresholds_crossed.length > 0 ? 'warning' : 'ok';
}

export const BUDGET_STATE_LABELS: Record<BudgetState, string> = {
  ok: 'Within budget',
  warning: 'Threshold crossed',
  exceeded: 'Used up',
};

export function alertValue(metric: AlertMetric, v: number | null | undefined): string {
  if (metric === 'error_rate') return pct(v, 1);
  if (metric === 'p95_duration_ms') return ms(v);
  return usd(v);
}

const SIGNS = { gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;
const METRICS: Record<AlertMetric, string> = {
  error_rate: 'Error rate',
  p95_duration_ms: 'p95 latency',
  cost_usd: 'Spend',
};

/** "Error rate > 5.0% over 15 min" */
export function conditionText(r: Pick<AlertRule, 'metric' | 'comparison' | 'threshold' | 'window_minutes'>): string {
  const window = r.window_minutes % 60 === 0 ? `${r.window_minutes / 60} h` : `${r.window_minutes} min`;
  return `${METRICS[r.metric]} ${SIGNS[r.comparison]} ${alertValue(r.metric, r.threshold)} over ${window}`;
}

export function ruleScopeText(r: Pick<AlertRule, 'model' | 'provider' | 'agent_name'>): string {
  const parts = [
    r.provider ? `provider ${r.provider}` : null,
    r.model ? `model ${r.model}` : null,
    r.agent_name ? `agent ${r.agent_name}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'All calls';
}
