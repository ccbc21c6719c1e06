import { useId, useState } from 'react';
import { browserTimeZone } from '../../state/view.js';
import { useChange, useManageAccess } from './changes.js';
import { DeniedNote, Field, FormProblem, problemsByField, textOrNull, typedNumber } from './FormKit.js';
import { Suggestions, TimeZones } from './suggestions.js';
import type { Budget, BudgetMetric, BudgetPeriod } from './types.js';

const FIELDS = [
  'name',
  'metric',
  'limit',
  'period',
  'window_hours',
  'tz',
  'thresholds',
  'hard',
  'user_id',
  'agent_name',
  'model',
  'api_key_id',
] as const;

export const METRIC_LABELS: Record<BudgetMetric, string> = {
  cost_usd: 'Cost (USD)',
  tokens: 'Tokens',
  calls: 'Calls',
};

const LIMIT_UNIT: Record<BudgetMetric, string> = {
  cost_usd: 'US dollars per period',
  tokens: 'Tokens per period, a whole number',
  calls: 'Calls per period, a whole number',
};

/** The form as typed: text, so that what the user wrote reaches the API (and its checks) unchanged. */
interface Draft {
  name: string;
  metric: BudgetMetric;
  limit: string;
  period: BudgetPeriod;
  window_hours: string;
  tz: string;
  thresholds: string;
  hard: boolean;
  user_id: string;
  agent_name: string;
  model: string;
  api_key_id: string;
}

function draftOf(b: Budget | null): Draft {
  return {
    name: b?.name ?? '',
    metric: b?.metric ?? 'cost_usd',
    limit: b ? String(b.limit) : '',
    period: b?.period ?? 'month',
    window_hours: b?.window_hours ? String(b.window_hours) : '24',
    // Days and months start at midnight where the user is, unless they say otherwise.
    tz: b?.tz ?? browserTimeZone(),
    thresholds: (b?.thresholds ?? [80, 100]).join(', '),
    hard: b?.hard ?? false,
    user_id: b?.user_id ?? '',
    agent_name: b?.agent_name ?? '',
    model: b?.model ?? '',
    api_key_id: b?.api_key_id ?? '',
  };
}

/** The body the API takes: empty scopes are null (any), and the window only goes with a rolling period. */
function bodyOf(d: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: d.name,
    metric: d.metric,
    limit: typedNumber(d.limit),
    period: d.period,
    tz: d.tz.trim(),
    thresholds: d.thresholds
      .split(/[\s,;%]+/)
      .filter((t) => t !== '')
      .map(typedNumber),
    hard: d.hard,
    user_id: textOrNull(d.user_id),
    agent_name: textOrNull(d.agent_name),
    model: textOrNull(d.model),
    api_key_id: textOrNull(d.api_key_id),
  };
  if (d.period === 'rolling') body['window_hours'] = typedNumber(d.window_hours);
  return body;
}

/** Only what differs from the budget as it is: a changed scope or period restarts its count, an unchanged one must not. */
function changesOf(body: Record<string, unknown>, b: Budget): Record<string, unknown> {
  const current = b as unknown as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(body).filter(([k, v]) => JSON.stringify(v ?? null) !== JSON.stringify(current[k] ?? null)),
  );
}

/** Creates a budget, or changes one; the API's checks decide, and its messages appear next to the fields. */
export function BudgetForm({ budget, onDone }: { budget: Budget | null; onDone: (saved: Budget | null) => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(budget));
  const change = useChange<Budget>();
  const { denied } = useManageAccess();
  const ids = useId();
  const problems = problemsByField(change.error);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((prev) => ({ ...prev, [k]: v }));

  const submit = () => {
    const body = bodyOf(d);
    if (!budget) {
      change.mutate({ method: 'POST', path: '/api/v1/budgets', body }, { onSuccess: (b) => onDone(b) });
      return;
    }
    const patch = changesOf(body, budget);
    if (Object.keys(patch).length === 0) return onDone(null);
    change.mutate(
      { method: 'PATCH', path: `/api/v1/budgets/${encodeURIComponent(budget.id)}`, body: patch },
      { onSuccess: (b) => onDone(b) },
    );
  };

  const scope = (name: 'user_id' | 'agent_name' | 'model', label: string) => (
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
      aria-label={budget ? `Edit budget ${budget.name}` : 'New budget'}
      data-testid="budget-form"
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
          <Field label="Counts" name="metric" problems={problems}>
            {(p) => (
              <select {...p} value={d.metric} onChange={(e) => set('metric', e.target.value as BudgetMetric)}>
                {Object.entries(METRIC_LABELS).map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Limit" name="limit" problems={problems} hint={LIMIT_UNIT[d.metric]}>
            {(p) => <input {...p} inputMode="decimal" value={d.limit} onChange={(e) => set('limit', e.target.value)} />}
          </Field>
        </div>
        <div className="form-row">
          <Field label="Period" name="period" problems={problems}>
            {(p) => (
              <select {...p} value={d.period} onChange={(e) => set('period', e.target.value as BudgetPeriod)}>
                <option value="day">Each day</option>
                <option value="month">Each month</option>
                <option value="rolling">A rolling window of hours</option>
              </select>
            )}
          </Field>
          {d.period === 'rolling' ? (
            <Field label="Window (hours)" name="window_hours" problems={problems} hint="The last N hours, 1 to 8760">
              {(p) => (
                <input
                  {...p}
                  inputMode="numeric"
                  value={d.window_hours}
                  onChange={(e) => set('window_hours', e.target.value)}
                />
              )}
            </Field>
          ) : (
            <Field label="Time zone" name="tz" problems={problems} hint="Where days and months start">
              {(p) => (
                <>
                  <input {...p} list={`${ids}-tz`} value={d.tz} onChange={(e) => set('tz', e.target.value)} />
                  <TimeZones id={`${ids}-tz`} />
                </>
              )}
            </Field>
          )}
        </div>
        <Field
          label="Alert at (% of the limit)"
          name="thresholds"
          problems={problems}
          hint="Percentages, separated by commas; each sends one notification per period to the webhooks"
        >
          {(p) => <input {...p} value={d.thresholds} onChange={(e) => set('thresholds', e.target.value)} />}
        </Field>
        <fieldset className="scope">
          <legend>Counts only the calls of (all empty: the whole project)</legend>
          <div className="form-row">
            {scope('model', 'Model')}
            {scope('agent_name', 'Agent')}
            {scope('user_id', 'User')}
            <Field label="API key id" name="api_key_id" problems={problems} hint="As calls record it; empty: any">
              {(p) => <input {...p} value={d.api_key_id} onChange={(e) => set('api_key_id', e.target.value)} />}
            </Field>
          </div>
        </fieldset>
        <Field
          label="Hard limit"
          name="hard"
          problems={problems}
          hint="Tally's recording proxy refuses requests (429) once the budget is used up"
        >
          {(p) => <input {...p} type="checkbox" checked={d.hard} onChange={(e) => set('hard', e.target.checked)} />}
        </Field>
      </fieldset>
      <FormProblem error={change.error} fields={FIELDS} />
      <div className="form-actions">
        <button type="submit" disabled={denied !== null || change.isPending}>
          {change.isPending ? 'Saving…' : budget ? 'Save changes' : 'Create budget'}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
