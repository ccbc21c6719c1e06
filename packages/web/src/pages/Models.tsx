import { useMemo } from 'react';
import { useApi } from '../api/hooks.js';
import type { Timeseries } from '../api/types.js';
import { Chart } from '../charts/Chart.js';
import { DataTable, type Column } from '../components/DataTable.js';
import { FilterBar } from '../components/FilterBar.js';
import { Empty, QueryView } from '../components/States.js';
import { count, ms, pct, usd } from '../format.js';
import { useView } from '../state/view.js';
import { callsPerModel, costBars, p95Bars } from './models/charts.js';
import { useNestedBreakdown } from './models/nested-breakdown.js';
import { ProviderToggle } from './models/ProviderToggle.js';
import { MODEL_METRICS, modelRows, rowFilter, type ModelRow } from './models/rows.js';
import './Models.css';

/** Seed 004's provider comparison: usage, cost and latency per provider and model, side by side. */
export default function Models() {
  const view = useView();
  const pairs = useNestedBreakdown('provider', 'model', MODEL_METRICS);
  const series = useApi<Timeseries>('/api/v1/analytics/timeseries', {
    ...view.params,
    by: 'model',
    metrics: 'calls',
    limit: 10,
  });
  const rows = useMemo(() => (pairs.data ? modelRows(pairs.data) : undefined), [pairs.data]);
  const ready = rows !== undefined && series.data !== undefined;
  // A chart's bar is a row's label; a click there narrows the view just like a click on the row.
  const select = (label: string) => {
    const row = rows?.find((r) => r.label === label);
    if (row && row.model !== null) view.set(rowFilter(row));
  };

  return (
    <div data-page="models" data-ready={ready ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Models &amp; providers</h1>
        <span className="muted">{view.range.label}</span>
      </div>
      <FilterBar />
      <ProviderToggle />
      <section className="panel" aria-labelledby="models-compare">
        <h2 id="models-compare">Usage, cost and latency per provider and model</h2>
        <p className="muted models-hint">
          Sort by any column; select a row to narrow the page to that model. Latency is avg, p50, p95 and p99; $ / 1k
          tokens is the cost divided by all tokens of the model.
        </p>
        <QueryView query={{ ...pairs, data: rows }} what="Loading the models">
          {(r) => <ComparisonTable rows={r} onSelect={(row) => row.model !== null && view.set(rowFilter(row))} />}
        </QueryView>
      </section>
      <div className="grid two">
        <section className="panel" aria-labelledby="models-cost">
          <h2 id="models-cost">Cost by model</h2>
          <QueryView query={{ ...pairs, data: rows }}>
            {(r) => <Bars rows={r} kind="cost" onSelect={select} />}
          </QueryView>
        </section>
        <section className="panel" aria-labelledby="models-p95">
          <h2 id="models-p95">p95 latency by model</h2>
          <QueryView query={{ ...pairs, data: rows }}>
            {(r) => <Bars rows={r} kind="p95" onSelect={select} />}
          </QueryView>
        </section>
      </div>
      <section className="panel" aria-labelledby="models-calls">
        <h2 id="models-calls">Calls over time per model</h2>
        <QueryView query={series}>{(s) => <CallsChart data={s} />}</QueryView>
      </section>
    </div>
  );
}

function Bars({ rows, kind, onSelect }: { rows: ModelRow[]; kind: 'cost' | 'p95'; onSelect: (l: string) => void }) {
  const option = useMemo(() => (kind === 'cost' ? costBars(rows) : p95Bars(rows)), [rows, kind]);
  const has = rows.some((r) => (kind === 'cost' ? r.cost : r.p95Ms) !== null);
  if (!has) return <Empty>{kind === 'cost' ? 'No priced calls in this range.' : 'No latency recorded.'}</Empty>;
  const height = Math.max(160, rows.length * 34 + 40);
  const label = kind === 'cost' ? 'Cost by model' : 'p95 latency by model';
  return <Chart option={option} label={label} height={height} onSelect={onSelect} />;
}

function CallsChart({ data }: { data: Timeseries }) {
  const option = useMemo(() => callsPerModel(data), [data]);
  if (!data.series?.length) return <Empty>No calls in this range.</Empty>;
  return <Chart option={option} label="Calls over time per model" />;
}

/** Each figure in a span named after its column, so that it can be found and read out on its own. */
const cell = (col: string, text: string, title?: string) => (
  <span data-col={col} title={title}>
    {text}
  </span>
);

const COLUMNS: Column<ModelRow>[] = [
  {
    key: 'provider',
    label: 'Provider',
    render: (r) => cell('provider', r.provider ?? '(none)'),
    sort: (r) => r.provider,
  },
  { key: 'model', label: 'Model', render: (r) => cell('model', r.model ?? '(none)'), sort: (r) => r.model },
  { key: 'calls', label: 'Calls', numeric: true, render: (r) => cell('calls', count(r.calls)), sort: (r) => r.calls },
  {
    key: 'input',
    label: 'Input',
    numeric: true,
    render: (r) => cell('input', count(r.inputTokens)),
    sort: (r) => r.inputTokens,
  },
  {
    key: 'output',
    label: 'Output',
    numeric: true,
    render: (r) => cell('output', count(r.outputTokens)),
    sort: (r) => r.outputTokens,
  },
  {
    key: 'tokens',
    label: 'Tokens',
    numeric: true,
    render: (r) => cell('tokens', count(r.totalTokens)),
    sort: (r) => r.totalTokens,
  },
  {
    key: 'cost',
    label: 'Cost',
    numeric: true,
    render: (r) =>
      cell(
        'cost',
        usd(r.cost) + (r.unpricedCalls > 0 && r.cost !== null ? ' *' : ''),
        r.unpricedCalls > 0 ? `${count(r.unpricedCalls)} calls have no price and are not in the cost` : undefined,
      ),
    sort: (r) => r.cost,
  },
  {
    key: 'per1k',
    label: '$ / 1k tokens',
    numeric: true,
    render: (r) => cell('per1k', usd(r.costPer1k)),
    sort: (r) => r.costPer1k,
  },
  { key: 'avg', label: 'Avg', numeric: true, render: (r) => cell('avg', ms(r.avgMs)), sort: (r) => r.avgMs },
  { key: 'p50', label: 'p50', numeric: true, render: (r) => cell('p50', ms(r.p50Ms)), sort: (r) => r.p50Ms },
  { key: 'p95', label: 'p95', numeric: true, render: (r) => cell('p95', ms(r.p95Ms)), sort: (r) => r.p95Ms },
  { key: 'p99', label: 'p99', numeric: true, render: (r) => cell('p99', ms(r.p99Ms)), sort: (r) => r.p99Ms },
  {
    key: 'errors',
    label: 'Error rate',
    numeric: true,
    render: (r) => cell('error-rate', pct(r.errorRate), `${count(r.errors)} of ${count(r.calls)} calls failed`),
    sort: (r) => r.errorRate,
  },
];

function ComparisonTable({ rows, onSelect }: { rows: ModelRow[]; onSelect: (row: ModelRow) => void }) {
  const unpriced = rows.some((r) => r.unpricedCalls > 0 && r.cost !== null);
  return (
    <>
      <DataTable
        testId="model-table"
        rows={rows}
        rowKey={(r) => r.key}
        columns={COLUMNS}
        onRowClick={onSelect}
        empty="No calls in this range. Try a longer time range or fewer filters."
      />
      {unpriced ? (
        <p className="muted models-hint">* Some calls of this model have no price: their cost is left out.</p>
      ) : null}
    </>
  );
}
