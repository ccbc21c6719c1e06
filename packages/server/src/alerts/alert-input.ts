import type { AlertMetric, AlertRulePatch, AlertRuleRecord, Comparison } from '@tally/storage';
import { FieldReader, objectBody } from './field-checks.js';

export const ALERT_METRICS: readonly AlertMetric[] = ['error_rate', 'p95_duration_ms', 'cost_usd'];
export const COMPARISONS: readonly Comparison[] = ['gt', 'gte', 'lt', 'lte'];
/** The longest window a rule looks back over: a week. */
export const MAX_WINDOW_MINUTES = 10_080;
const FIELDS = [
  'name',
  'metric',
  'window_minutes',
  'comparison',
  'threshold',
  'model',
  'provider',
  'agent_name',
  'enabled',
] as const;

/** The settings of a rule as a client sends them. */
export type AlertSettings = Pick<
  AlertRuleRecord,
  'name' | 'metric' | 'window_minutes' | 'comparison' | 'threshold' | 'model' | 'provider' | 'agent_name' | 'enabled'
>;

/** Reads a new rule, with defaults: a 15-minute window, `gt`, enabled. */
export function readNewRule(input: unknown): AlertSettings {
  const body = objectBody(input, 'the alert rule');
  const r = new FieldReader(body, 'the alert rule');
  r.onlyKnown(FIELDS);
  for (const f of ['name', 'metric', 'threshold'] as const) r.require(f);
  const s = readFields(r);
  const rule: AlertSettings = {
    name: s.name ?? '',
    metric: s.metric ?? 'error_rate',
    window_minutes: s.window_minutes ?? 15,
    comparison: s.comparison ?? 'gt',
    threshold: s.threshold ?? 0,
    model: s.model ?? null,
    provider: s.provider ?? null,
    agent_name: s.agent_name ?? null,
    enabled: s.enabled ?? true,
  };
  checkTogether(r, rule);
  r.done();
  return rule;
}

/** Reads a change to `current`; the fields that change are checked together with the ones that stay. */
export function readRulePatch(input: unknown, current: AlertSettings): AlertRulePatch {
  const body = objectBody(input, 'the alert rule change');
  const r = new FieldReader(body, 'the alert rule change');
  r.onlyKnown(FIELDS);
  if (Object.keys(body).length === 0) r.problem('', `sets nothing; send one or more of ${FIELDS.join(', ')}`);
  const patch = readFields(r);
  checkTogether(r, { ...current, ...patch });
  r.done();
  return patch;
}

function readFields(r: FieldReader): AlertRulePatch {
  const p: AlertRulePatch = {};
  const name = r.text('name');
  if (name !== undefined) p.name = name;
  const metric = r.oneOf('metric', ALERT_METRICS);
  if (metric !== undefined) p.metric = metric;
  const window = r.number('window_minutes', 1, MAX_WINDOW_MINUTES, true);
  if (window !== undefined) p.window_minutes = window;
  const comparison = r.oneOf('comparison', COMPARISONS);
  if (comparison !== undefined) p.comparison = comparison;
  const threshold = r.number('threshold', 0, 1e15);
  if (threshold !== undefined) p.threshold = threshold;
  for (const f of ['model', 'provider', 'agent_name'] as const) {
    const v = r.nullableText(f);
    if (v !== undefined) p[f] = v;
  }
  const enabled = r.boolean('enabled');
  if (enabled !== undefined) p.enabled = enabled;
  return p;
}

function checkTogether(r: FieldReader, rule: AlertSettings): void {
  if (rule.metric === 'error_rate' && rule.threshold > 1 && r.errors.every((e) => e.path !== 'body.threshold'))
    r.problem('threshold', `is a fraction of calls for error_rate, from 0 to 1 (0.05 = 5 %); got ${rule.threshold}`);
}

/** Whether `value` meets the rule's condition; no value (no calls in the window) never does. */
export function conditionMet(rule: Pick<AlertRuleRecord, 'comparison' | 'threshold'>, value: number | null): boolean {
  if (value === null) return false;
  switch (rule.comparison) {
    case 'gt':
      return value > rule.threshold;
    case 'gte':
      return value >= rule.threshold;
    case 'lt':
      return value < rule.threshold;
    case 'lte':
      return value <= rule.threshold;
  }
}
