import { useId, useState } from 'react';
import { useChange, useManageAccess } from './changes.js';
import { DeniedNote, Field, FormProblem, problemsByField, textOrNull, typedNumber } from './FormKit.js';
import { Suggestions } from './suggestions.js';
import type { AlertMetric, AlertRule, Comparison } from './types.js';

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

export const ALERT_METRIC_LABELS: Record<AlertMetric, string> = {
  error_rate: 'Error rate',
  p95_duration_ms: 'p95 latency',
  cost_usd: 'Spend (USD)',
};

const THRESHOLD_UNIT: Record<AlertMetric, string> = {
  error_rate: 'A share of calls from 0 to 1: 0.05 is 5%',
  p95_duration_ms: 'Milliseconds',
  cost_usd: 'US dollars spent within the window',
};

interface Draft {
  name: string;
  metric: AlertMetric;
  comparison: Comparison;
  threshold: string;
  window_minutes: string;
  model: string;
  provider: string;
  agent_name: string;
  enabled: boolean;
}

function draftOf(r: AlertRule | null): Draft {
  return {
    name: r?.name ?? '',
    metric: r?.metric ?? 'error_rate',
    comparison: r?.comparison ?? 'gt',
    threshold: r ? String(r.threshold) : '',
    window_minutes: String(r?.window_minutes ?? 15),
    model: r?.model ?? '',
    provider: r?.provider ?? '',
    agent_name: r?.agent_name ?? '',
    enabled: r?.enabled ?? true,
  };
}

function bodyOf(d: Draft): Record<string, unknown> {
  return {
    name: d.name,
    metric: d.metric,
    comparison: d.comparison,
    threshold: typedNumber(d.threshold),
    window_minutes: typedNumber(d.window_minutes),
    model: textOrNull(d.model),
    provider: textOrNull(d.provider),
    agent_name: textOrNull(d.agent_name),
    enabled: d.enabled,
  };
}

/** Creates an alert rule or changes one; the API's messages appear next to the fields. */
export function AlertForm({ rule, onDone }: { rule: AlertRule | null; onDone: (saved: AlertRule | null) => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(rule));
  const change = useChange<AlertRule>();
  const { denied } = useManageAccess();
  const ids = useId();
  const problems = problemsByField(change.error);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((prev) => ({ ...prev, [k]: v }));

  const submit = () => {
    const body = bodyOf(d);
    if (!rule) {
      change.mutate({ method: 'POST', path: '/api/v1/alerts', body }, { onSuccess: (r) => onDone(r) });
      return;
    }
    const current = rule as unknown as Record<string, unknown>;
    const patch = Object.fromEntries(
      Object.entries(body).filter(([k, v]) => JSON.stringify(v ?? null) !== JSON.stringify(current[k] ?? null)),
    );
    if (Object.keys(patch).length === 0) return onDone(null);
    change.mutate(
      { method: 'PATCH', path: `/api/v1/alerts/${encodeURIComponent(rule.id)}`, body: patch },
      { onSuccess: (r) => onDone(r) },
    );
  };

  const only = (name: 'model' | 'provider' | 'agent_name', label: string) => (
    <Field label={label} name={name} problems={problems} hint="Empty: every call">
      {(p) => (
        <>
          <input {...p} list={`${ids}-${name}`} value={d[name]} onChange={(e) => set(name, e.target.value)} />
          <Suggestions id={`${ids}-${name}`} by={name} />
        </>
      )}
    </Field>
  );

  return (
    <form
      className="manage-form"
      noValidate
      aria-label={rule ? `Edit alert rule ${rule.name}` : 'New alert rule'}
      data-testid="alert-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <DeniedNote />
      <fieldset className="plain" disabled={denied !== null || change.isPending}>
        <Field label="Name" name="name" problems={problems}>
          {(p) => <input {...p} value={d.name} onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <div className="form-row">
          <Field label="Watches" name="metric" problems={problems}>
            {(p) => (
              <select {...p} value={d.metric} onChange={(e) => set('metric', e.target.value as AlertMetric)}>
                {Object.entries(ALERT_METRIC_LABELS).map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Fires when" name="comparison" problems={problems}>
            {(p) => (
              <select {...p} value={d.comparison} onChange={(e) => set('comparison', e.target.value as Comparison)}>
                <option value="gt">above</option>
                <option value="gte">at or above</option>
                <option value="lt">below</option>
                <option value="lte">at or below</option>
              </select>
            )}
          </Field>
          <Field label="Threshold" name="threshold" problems={problems} hint={THRESHOLD_UNIT[d.metric]}>
            {(p) => (
              <input
                {...p}
                inputMode="decimal"
                value={d.threshold}
                onChange={(e) => set('threshold', e.target.value)}
              />
            )}
          </Field>
          <Field label="Over the last (minutes)" name="window_minutes" problems={problems} hint="1 to 10080">
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                value={d.window_minutes}
                onChange={(e) => set('window_minutes', e.target.value)}
              />
            )}
          </Field>
        </div>
        <fieldset className="scope">
          <legend>Watches only the calls of (all empty: the whole project)</legend>
          <div className="form-row">
            {only('model', 'Model')}
            {only('provider', 'Provider')}
            {only('agent_name', 'Agent')}
          </div>
        </fieldset>
        <Field label="Enabled" name="enabled" problems={problems} hint="A disabled rule is not evaluated">
          {(p) => (
            <input {...p} type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          )}
        </Field>
      </fieldset>
      <FormProblem error={change.error} fields={FIELDS} />
      <div className="form-actions">
        <button type="submit" disabled={denied !== null || change.isPending}>
          {change.isPending ? 'Saving…' : rule ? 'Save changes' : 'Create alert rule'}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
