import { useMemo } from 'react';
import { Link } from 'wouter';
import { useApi } from '../../api/hooks.js';
import { Chart } from '../../charts/Chart.js';
import { timeOption } from '../../charts/options.js';
import { DataTable } from '../../components/DataTable.js';
import { Kpi } from '../../components/Kpi.js';
import { ErrorBox, Loading } from '../../components/States.js';
import { count, countShort, dateTime, ms, orNone, pct, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { AgentRuns } from './AgentRuns.js';
import { localDay } from './days.js';
import { LatestCalls } from './LatestCalls.js';
import { segment } from './route-param.js';
import type { UserUsage } from './types.js';

const DAILY = [
  { metric: 'calls', label: 'Calls', kind: 'bar' as const },
  { metric: 'cost_usd', label: 'Cost (USD)', right: true, money: true },
];

/** One user: Tally's totals, days, models and sessions over the range, then the agent-run view by UTC day. */
export function UserDetail({ id }: { id: string }) {
  const view = useView();
  const carry = view.carry ? `?${view.carry}` : '';
  const usage = useApi<UserUsage>(`/api/v1/analytics/users/${segment(id)}`, view.range.params);

  return (
    <div data-page="user" data-ready={usage.data ? 'true' : 'false'}>
      <p className="back-link">
        <Link href={`/users${carry}`}>← All users</Link>
      </p>
      <div className="page-head">
        <h1>
          User <span data-testid="user-id">{id}</span>
        </h1>
        <span className="muted">{view.range.label}</span>
      </div>
      {view.filters.length > 0 ? (
        <p className="muted" role="note">
          The filters of the list do not apply here: this page shows every call of the user.
        </p>
      ) : null}
      {usage.error && !usage.data ? (
        <ErrorBox error={usage.error} onRetry={() => usage.refetch()} />
      ) : usage.data ? (
        <Usage usage={usage.data} carry={carry} />
      ) : (
        <Loading what="Loading the user" />
      )}
      <AgentRuns id={id} />
      <LatestCalls id={id} />
    </div>
  );
}

function Usage({ usage, carry }: { usage: UserUsage; carry: string }) {
  const t = usage.totals;
  const option = useMemo(
    () =>
      timeOption(
        usage.daily.map((d) => ({ ...d, time: localDay(d.date) })),
        'day',
        DAILY,
      ),
    [usage],
  );
  if (!t.calls) {
    return <div className="state empty">This user made no calls in this range; pick a longer one.</div>;
  }
  return (
    <>
      <div className="kpis" data-testid="kpis">
        <Kpi testId="kpi-calls" label="Calls" value={count(t.calls)} />
        <Kpi testId="kpi-sessions" label="Sessions" value={count(t.sessions)} />
        <Kpi testId="kpi-tokens" label="Tokens" value={countShort(t.total_tokens)} />
        <Kpi testId="kpi-cost" label="Cost" value={usd(t.cost_usd)} />
        <Kpi testId="kpi-error-rate" label="Error rate" value={pct(t.error_rate, 2)} />
        <Kpi testId="kpi-p95" label="p95 latency" value={ms(t.p95_duration_ms)} />
      </div>
      <div className="grid two">
        <section className="panel" aria-labelledby="user-daily">
          <h2 id="user-daily">Calls and cost per day</h2>
          <Chart option={option} label="Calls and cost per day" />
        </section>
        <section className="panel" aria-labelledby="user-models">
          <h2 id="user-models">Models</h2>
          <DataTable
            testId="user-models"
            rows={usage.models}
            rowKey={(r) => String(r.model)}
            columns={[
              { key: 'model', label: 'Model', render: (r) => orNone(r.model), sort: (r) => r.model },
              { key: 'calls', label: 'Calls', numeric: true, render: (r) => count(r.calls), sort: (r) => r.calls },
              {
                key: 'tokens',
                label: 'Tokens',
                numeric: true,
                render: (r) => countShort(r.total_tokens),
                sort: (r) => r.total_tokens,
              },
              { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(r.cost_usd), sort: (r) => r.cost_usd },
            ]}
          />
        </section>
      </div>
      <section className="panel user-section" aria-labelledby="user-sessions">
        <h2 id="user-sessions">Recent sessions</h2>
        <DataTable
          testId="user-sessions"
          rows={usage.sessions}
          rowKey={(r) => r.session_id}
          empty="None of this user's calls in the range belong to a session."
          columns={[
            {
              key: 'session',
              label: 'Session',
              render: (r) => <Link href={`/sessions/${segment(r.session_id)}${carry}`}>{r.session_id}</Link>,
            },
            { key: 'calls', label: 'Calls', numeric: true, render: (r) => count(r.calls), sort: (r) => r.calls },
            {
              key: 'tokens',
              label: 'Tokens',
              numeric: true,
              render: (r) => countShort(r.total_tokens),
              sort: (r) => r.total_tokens,
            },
            { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(r.cost_usd), sort: (r) => r.cost_usd },
            { key: 'first', label: 'First call', render: (r) => dateTime(r.first_seen), sort: (r) => r.first_seen },
            { key: 'last', label: 'Last call', render: (r) => dateTime(r.last_seen), sort: (r) => r.last_seen },
          ]}
        />
      </section>
    </>
  );
}
