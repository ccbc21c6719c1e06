import { useMemo } from 'react';
import { useApi } from '../api/hooks.js';
import type { Timeseries } from '../api/types.js';
import { Chart } from '../charts/Chart.js';
import { Drawer } from '../components/Drawer.js';
import { FilterBar } from '../components/FilterBar.js';
import { Kpi } from '../components/Kpi.js';
import { ErrorBox, Loading, QueryView } from '../components/States.js';
import { count, pct } from '../format.js';
import { useView } from '../state/view.js';
import { GroupDetail } from './errors/GroupDetail.js';
import { GroupsTable } from './errors/GroupsTable.js';
import { ModelsTable } from './errors/ModelsTable.js';
import { errorsOverTimeOption } from './errors/options.js';
import { groupKey, typeLabel, type ErrorsAnswer } from './errors/types.js';
import './Errors.css';

/**
 * What failed and how often: totals, errors over time, errors grouped by type and message (a group opens its
 * calls, its key in the URL so a link opens it), and errors by model.
 */
export default function Errors() {
  const view = useView();
  const errors = useApi<ErrorsAnswer>('/api/v1/analytics/errors', view.params);
  const series = useApi<Timeseries>('/api/v1/analytics/timeseries', { ...view.params, metrics: 'errors,error_rate' });
  const selectedKey = view.search.get('group');
  const selected = errors.data?.groups.find((g) => groupKey(g) === selectedKey) ?? null;
  const ready = errors.data !== undefined && series.data !== undefined;

  if (errors.error && !errors.data) return <ErrorBox error={errors.error} onRetry={() => errors.refetch()} />;

  return (
    <div data-page="errors" data-ready={ready ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Errors</h1>
        <span className="muted">{view.range.label}</span>
      </div>
      <FilterBar />
      {errors.data ? <Totals data={errors.data} /> : <Loading what="Loading error totals" />}
      <div className="grid two">
        <section className="panel" aria-labelledby="errors-over-time">
          <h2 id="errors-over-time">Errors over time</h2>
          <QueryView query={series}>{(s) => <ErrorsChart data={s} />}</QueryView>
        </section>
        <section className="panel" aria-labelledby="errors-models">
          <h2 id="errors-models">Errors by model</h2>
          <QueryView query={errors}>
            {(e) => <ModelsTable rows={e.by_model} onPick={(m) => m.model !== null && view.set({ model: m.model })} />}
          </QueryView>
        </section>
      </div>
      <section className="panel" aria-labelledby="errors-groups">
        <h2 id="errors-groups">Error groups</h2>
        <QueryView query={errors}>
          {(e) => <GroupsTable groups={e.groups} onOpen={(g) => view.set({ group: groupKey(g) })} />}
        </QueryView>
      </section>
      <Drawer
        title={selected ? `Error group: ${typeLabel(selected.error_type)}` : 'Error group'}
        open={selected !== null}
        onClose={() => selectedKey !== null && view.set({ group: null })}
      >
        {selected ? <GroupDetail group={selected} /> : null}
      </Drawer>
    </div>
  );
}

function Totals({ data }: { data: ErrorsAnswer }) {
  const statuses = Object.entries(data.by_status).sort((a, b) => b[1] - a[1]);
  return (
    <div className="kpis" data-testid="kpis">
      <Kpi testId="kpi-calls" label="Calls" value={count(data.calls)} />
      <Kpi testId="kpi-errors" label="Failed calls" value={count(data.errors)} />
      <Kpi testId="kpi-error-rate" label="Error rate" value={pct(data.error_rate, 2)} />
      <div className="kpi" data-testid="kpi-by-status">
        <div className="kpi-label">Failed by status</div>
        {statuses.length === 0 ? (
          <div className="kpi-value">{count(0)}</div>
        ) : (
          <ul className="errors-statuses">
            {statuses.map(([status, n]) => (
              <li key={status} data-status={status}>
                <span className={`badge ${status}`}>{status}</span> <strong>{count(n)}</strong>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function ErrorsChart({ data }: { data: Timeseries }) {
  const option = useMemo(() => errorsOverTimeOption(data.points, data.interval), [data]);
  return <Chart option={option} label="Errors and error rate over time" height={220} />;
}
