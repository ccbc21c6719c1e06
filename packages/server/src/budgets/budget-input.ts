import { isTimeZone } from '@tally/core';
import type { BudgetMetric, BudgetPatch, BudgetPeriod, BudgetRecord } from '@tally/storage';
import { FieldReader, objectBody } from '../alerts/field-checks.js';

export const BUDGET_METRICS: readonly BudgetMetric[] = ['cost_usd', 'tokens', 'calls'];
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'month', 'rolling'];
export const DEFAULT_THRESHOLDS = [80, 100];
/** The largest rolling window: a year. */
export const MAX_WINDOW_HOURS = 8760;
const SCOPE = ['user_id', 'agent_name', 'api_key_id', 'model'] as const;
const FIELDS = ['name', 'metric', 'limit', 'period', 'window_hours', 'tz', ...SCOPE, 'thresholds', 'hard'] as const;

/** The settings of a budget as a client sends them; what the store adds (ids, times) is left out. */
export type BudgetSettings = Omit<BudgetRecord, 'id' | 'project_id' | 'created_at' | 'updated_at'>;

/** Reads a new budget, with defaults: a monthly period in UTC, thresholds at 80 and 100 %, soft. */
export function readNewBudget(input: unknown): BudgetSettings {
  const body = objectBody(input, 'the budget');
  const r = new FieldReader(body, 'the budget');
  r.onlyKnown(FIELDS);
  for (const f of ['name', 'metric', 'limit'] as const) r.require(f);
  const settings = readFields(r, body);
  const merged: BudgetSettings = {
    name: settings.name ?? '',
    metric: settings.metric ?? 'calls',
    limit: settings.limit ?? 0,
    period: settings.period ?? 'month',
    window_hours: settings.window_hours ?? null,
    tz: settings.tz ?? 'UTC',
    user_id: settings.user_id ?? null,
    agent_name: settings.agent_name ?? null,
    api_key_id: settings.api_key_id ?? null,
    model: settings.model ?? null,
    thresholds: settings.thresholds ?? DEFAULT_THRESHOLDS,
    hard: settings.hard ?? false,
  };
  checkTogether(r, merged);
  r.done();
  return merged;
}

/** Reads a change to `current`; returns the fields that change, checked together with the ones that stay. */
export function readBudgetPatch(input: unknown, current: BudgetRecord): BudgetPatch {
  const body = objectBody(input, 'the budget change');
  const r = new FieldReader(body, 'the budget change');
  r.onlyKnown(FIELDS);
  if (Object.keys(body).length === 0) r.problem('', `sets nothing; send one or more of ${FIELDS.join(', ')}`);
  const patch = readFields(r, body);
  // A calendar period has no window: leaving `rolling` clears it.
  if (patch.period !== undefined && patch.period !== 'rolling' && patch.window_hours === undefined)
    patch.window_hours = null;
  checkTogether(r, { ...current, ...patch });
  r.done();
  return patch;
}

function readFields(r: FieldReader, body: Record<string, unknown>): BudgetPatch {
  const patch: BudgetPatch = {};
  const name = r.text('name');
  if (name !== undefined) patch.name = name;
  const metric = r.oneOf('metric', BUDGET_METRICS);
  if (metric !== undefined) patch.metric = metric;
  const limit = r.number('limit', 0, 1e15);
  if (limit !== undefined) {
    if (limit <= 0) r.problem('limit', 'must be greater than 0');
    else patch.limit = limit;
  }
  const period = r.oneOf('period', BUDGET_PERIODS);
  if (period !== undefined) patch.period = period;
  if (body['window_hours'] === null) patch.window_hours = null;
  else {
    const hours = r.number('window_hours', 1, MAX_WINDOW_HOURS, true);
    if (hours !== undefined) patch.window_hours = hours;
  }
  const tz = r.text('tz', 64);
  if (tz !== undefined) {
    if (isTimeZone(tz)) patch.tz = tz;
    else r.problem('tz', `must be an IANA time zone such as UTC or Europe/Paris; got ${tz}`);
  }
  for (const field of SCOPE) {
    const v = r.nullableText(field);
    if (v !== undefined) patch[field] = v;
  }
  if (body['thresholds'] !== undefined) {
    const t = body['thresholds'];
    const ok =
      Array.isArray(t) &&
      t.length <= 10 &&
      t.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0 && x <= 1000);
    if (ok) patch.thresholds = [...new Set(t as number[])].sort((a, b) => a - b);
    else
      r.problem('thresholds', 'must be a list of at most 10 percentages of the limit, each above 0 and at most 1000');
  }
  const hard = r.boolean('hard');
  if (hard !== undefined) patch.hard = hard;
  return patch;
}

function checkTogether(r: FieldReader, b: BudgetSettings): void {
  if (b.period === 'rolling' && b.window_hours === null)
    r.problem('window_hours', `is required with period rolling: a whole number of hours from 1 to ${MAX_WINDOW_HOURS}`);
  if (b.period !== 'rolling' && b.window_hours !== null)
    r.problem('window_hours', `applies to period rolling only; the period is ${b.period}`);
  if (b.metric !== 'cost_usd' && !Number.isInteger(b.limit) && r.errors.every((e) => e.path !== 'body.limit'))
    r.problem('limit', `must be a whole number for a ${b.metric} budget; got ${b.limit}`);
}
