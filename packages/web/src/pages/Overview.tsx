import { useMemo } from 'react';
import { useLocation } from 'wouter';
import { useApi } from '../api/hooks.js';
import type { Breakdown, EventsPage, Summary, Timeseries } from '../api/types.js';
import { Chart } from '../charts/Chart.js';
import { barOption, timeOption } from '../charts/options.js';
import { DataTable } from '../components/DataTable.js';
import { FilterBar } from '../components/FilterBar.js';
import { FirstEvent } from '../components/FirstEvent.js';
import { Kpi } from '../components/Kpi.js';
import { ErrorBox, Loading, QueryView } from '../components/States.js';
import { count, countShort, ms, orNone, pct, usd } from '../format.js';
import { useView } from '../state/view.js';
import { overviewRequests } from './overview/queries.js';

/** Totals against the previous period, usage over time, and the top models, agents and users. */
export default function Overview() {
  const view = useView();
  const requests = useMemo(() => overviewRequests(view.params), [view.params]);
  const summary = useApi<Summary>(...requests.summary);
  const series = useApi<Timeseries>(...requests.series);
  const models = useApi<Breakdown>(...requests.top[0]!);
  const agents = useApi<Breakdown>(...requests.top[1]!);
  const users = useApi<Breakdown>(...requests.top[2]!);
  // An empty range of a project that has calls elsewhere is not an empty project: ask for any one call.
  const empty = summary.data?.metrics.calls === 0 && view.filters.length === 0;
  const any = useApi<EventsPage>(empty ? '/api/v1/analytics/events' : null, { limit: 1 }, { refresh: false });
  const ready = [summary, series, models, agents, users].every((q) => q.data !== undefined);

  if (summary.error && !summary.data) return <ErrorBox error={summary.error} onRetry={() => summary.refetch()} />;
  if (empty && any.data && any.data.events.length === 0) return <FirstEvent />;

  return (
    <div data-page="overview" data-ready={ready ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Overview</h1>
        <span className="muted">{view.range.label}</span>
      </div>
      <FilterBar />
      {summary.data ? <Totals summary={summary.data} /> : <Loading what="Loading totals" />}
      <div className="grid two">
        <section className="panel" aria-labelledby="ov-requests">
          <h2 id="ov-requests">Requests and errors</h2>
          <QueryView query={series}>
            {(s) => (
              <SeriesChart
                data={s}
                label="Requests and errors over time"
                defs={[
                  { metric: 'calls', label: 'Requests', kind: 'bar' },
                  { metric: 'errors', label: 'Errors' },
                ]}
              />
            )}
          </QueryView>
        </section>
        <section className="panel" aria-labelledby="ov-cost">
          <h2 id="ov-cost">Tokens and cost</h2>
          <QueryView query={series}>
            {(s) => (
              <SeriesChart
                data={s}
                label="Tokens and cost over time"
                defs={[
                  { metric: 'total_tokens', label: 'Tokens', kind: 'bar' },
                  { metric: 'cost_usd', label: 'Cost (USD)', right: true, money: true },
                ]}
              />
            )}
          </QueryView>
        </section>
      </div>
      <div className="grid three">
        <Top title="Top models" column="Model" query={models} field="model" />
        <Top title="Top agents" column="Agent" query={agents} field="agent_name" />
        <Top title="Top users" column="User" query={users} field="user_id" link="/users/" />
      </div>
    </div>
  );
}

function Totals({ summary }: { summary: Summary }) {
  const m = summary.metrics;
  const c = summary.change ?? {};
  return (
    <div className="kpis" data-testid="kpis">
      <Kpi testId="kpi-calls" label="Calls" value={count(m.calls)} change={c.calls} />
      <Kpi testId="kpi-tokens" label="Tokens" value={countShort(m.total_tokens)} change={c.total_tokens} />
      <Kpi testId="kpi-cost" label="Cost" value={usd(m.cost_usd)} change={c.cost_usd} goodWhenUp={false} />
      <Kpi
        testId="kpi-error-rate"
        label="Error rate"
        value={pct(m.error_rate, 2)}
        change={c.error_rate}
        goodWhenUp={false}
      />
      <Kpi
        testId="kpi-p50"
        label="p50 latency"
        value={ms(m.p50_duration_ms)}
        change={c.p50_duration_ms}
        goodWhenUp={false}
      />
      <Kpi
        testId="kpi-p95"
        label="p95 latency"
        value={ms(m.p95_duration_ms)}
        change={c.p95_duration_ms}
        goodWhenUp={false}
      />
    </div>
  );
}

function SeriesChart({
  data,
  label,
  defs,
}: {
  data: Timeseries;
  label: string;
  defs: Parameters<typeof timeOption>[2];
}) {
  const option = useMemo(() => timeOption(data.points, data.interval, defs), [data, defs]);
  return <Chart option={option} label={label} />;
}

function Top({
  title,
  column,
  query,
  field,
  link,
}: {
  title: string;
  column: string;
  query: ReturnType<typeof useApi<Breakdown>>;
  field: string;
  link?: string;
}) {
  const view = useView();
  const [, navigate] = useLocation();
  const option = useMemo(
    () => (query.data ? barOption(query.data.rows, 'cost_usd', 'Cost', true) : null),
    [query.data],
  );
  return (
    <section className="panel" aria-label={title} data-testid={`top-${field}`}>
      <h2>{title}</h2>
      <QueryView query={query}>
        {(b) => (
          <>
            {b.rows.length > 0 && option ? <Chart option={option} label={`${title} by cost`} height={160} /> : null}
            <DataTable
              rows={b.rows}
              rowKey={(r) => String(r.value)}
              onRowClick={(r) =>
                r.value === null
                  ? undefined
                  : link
                    ? navigate(`${link}${encodeURIComponent(String(r.value))}?${view.carry}`)
                    : view.set({ [field]: String(r.value) })
              }
              columns={[
                { key: 'value', label: column, render: (r) => orNone(r.value) },
                {
                  key: 'calls',
                  label: 'Calls',
                  numeric: true,
                  render: (r) => count(r.calls as number),
                  sort: (r) => r.calls as number,
                },
                {
                  key: 'tokens',
                  label: 'Tokens',
                  numeric: true,
                  render: (r) => countShort(r.total_tokens as number),
                  sort: (r) => r.total_tokens as number,
                },
                {
                  key: 'cost',
                  label: 'Cost',
                  numeric: true,
                  render: (r) => usd(r.cost_usd as number | null),
                  sort: (r) => r.cost_usd as number,
                },
              ]}
            />
          </>
        )}
      </QueryView>
    </section>
  );
}
