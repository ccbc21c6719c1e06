import { Fragment, type ReactNode } from 'react';
import { useApi } from '../../api/hooks.js';
import { QueryView } from '../../components/States.js';
import { dash, dateTime } from '../../format.js';
import { METRIC_LABELS } from './BudgetForm.js';
import {
  alertValue,
  amount,
  BUDGET_STATE_LABELS,
  budgetState,
  capitalized,
  conditionText,
  percentText,
  periodText,
  ruleScopeText,
  scopeText,
} from './describe.js';
import { Notifications } from './Notifications.js';
import type { AlertDetail as AlertDetailData, BudgetDetail as BudgetDetailData, Notification } from './types.js';
import { UsageBar } from './UsageBar.js';

function Fields({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="fields">
      {rows.map(([label, value]) => (
        <Fragment key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A budget now: its usage in the current period, its settings, and the threshold alerts it sent. */
export function BudgetDetail({ id }: { id: string }) {
  const q = useApi<BudgetDetailData>(`/api/v1/budgets/${encodeURIComponent(id)}`);
  return (
    <QueryView query={q} what="Loading the budget">
      {(b) => (
        <div data-testid="budget-detail">
          <UsageBar budget={b} />
          <Fields
            rows={[
              ['State', BUDGET_STATE_LABELS[budgetState(b)]],
              ['Counts', METRIC_LABELS[b.metric]],
              ['Limit', amount(b.metric, b.limit)],
              ['Remaining', amount(b.metric, b.remaining)],
              ['In flight', b.in_flight > 0 ? amount(b.metric, b.in_flight) : dash],
              ['Period', capitalized(periodText(b))],
              ['Period started', dateTime(b.period_start)],
              ['Starts over', b.resets_at ? dateTime(b.resets_at) : 'Never: the window rolls'],
              ['Scope', scopeText(b)],
              ['Alerts at', b.thresholds.length > 0 ? b.thresholds.map((t) => `${t}%`).join(', ') : 'None'],
              [
                'Crossed this period',
                b.thresholds_crossed.length > 0 ? b.thresholds_crossed.map((t) => `${t}%`).join(', ') : 'None',
              ],
              ['Hard limit', b.hard ? 'Yes: the recording proxy refuses requests once used up' : 'No'],
              ['Created', dateTime(b.created_at)],
              ['Changed', dateTime(b.updated_at)],
            ]}
          />
          <h3>Threshold alerts sent</h3>
          <Notifications
            items={b.alerts}
            empty="No threshold was crossed yet: an alert goes to the webhooks the first time usage reaches each threshold in a period."
            summary={(n) => budgetSummary(n, b.metric)}
          />
        </div>
      )}
    </QueryView>
  );
}

function budgetSummary(n: Notification, metric: BudgetDetailData['metric']): string {
  const p = n.payload;
  const threshold = num(p['threshold']);
  const percent = num(p['percent']);
  return `${threshold !== null ? `${threshold}%` : 'A threshold'} reached: ${amount(metric, num(p['used']))} used${
    percent !== null ? ` (${percentText(percent)})` : ''
  }`;
}

/** An alert rule now: its condition, its last evaluation, and the firings and resolutions it sent. */
export function AlertDetail({ id }: { id: string }) {
  const q = useApi<AlertDetailData>(`/api/v1/alerts/${encodeURIComponent(id)}`);
  return (
    <QueryView query={q} what="Loading the alert rule">
      {(r) => (
        <div data-testid="alert-detail">
          <Fields
            rows={[
              ['Condition', conditionText(r)],
              ['Watches', ruleScopeText(r)],
              ['State', r.enabled ? r.state : 'disabled'],
              ['Since', r.state_since ? dateTime(r.state_since) : dash],
              ['Last value', r.last_evaluated_at ? alertValue(r.metric, r.last_value) : dash],
              ['Last evaluated', r.last_evaluated_at ? dateTime(r.last_evaluated_at) : 'Not yet'],
              ['Created', dateTime(r.created_at)],
              ['Changed', dateTime(r.updated_at)],
            ]}
          />
          <h3>Notifications sent</h3>
          <Notifications
            items={r.notifications}
            empty="Nothing sent yet: the rule notifies the webhooks when it starts firing and when it resolves."
            summary={(n) => {
              const v = num(n.payload['value']);
              return `${n.event === 'alert.resolved' ? 'Back to normal' : 'Condition met'}: ${alertValue(r.metric, v)}`;
            }}
          />
        </div>
      )}
    </QueryView>
  );
}
