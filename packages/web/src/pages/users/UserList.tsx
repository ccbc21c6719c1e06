import { useMemo } from 'react';
import { useLocation } from 'wouter';
import { useApi } from '../../api/hooks.js';
import type { Breakdown, BreakdownRow } from '../../api/types.js';
import { Chart } from '../../charts/Chart.js';
import { DataTable, type Column } from '../../components/DataTable.js';
import { FilterBar } from '../../components/FilterBar.js';
import { Kpi } from '../../components/Kpi.js';
import { Empty, QueryView } from '../../components/States.js';
import { count, countShort, pct, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { RANKS, rankOf, rankOption, type Rank } from './ranking.js';
import { segment } from './route-param.js';

/** The most users one list holds; the API's own limit for a breakdown. */
const LIMIT = 1000;
const METRICS = 'calls,sessions,total_tokens,cost_usd,errors,error_rate';

/** Users of the range ranked by a metric the user picks, with a search box over the ids. */
export function UserList() {
  const view = useView();
  const rank = rankOf(view.search.get('rank'));
  const search = view.search.get('q') ?? '';
  const users = useApi<Breakdown>('/api/v1/analytics/breakdown', {
    ...view.params,
    by: 'user_id',
    metrics: METRICS,
    order: rank.key,
    limit: LIMIT,
  });

  return (
    <div data-page="users" data-ready={users.data ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Users</h1>
        <span className="muted">{view.range.label}</span>
      </div>
      <FilterBar />
      <div className="toolbar">
        <label>
          Rank by{' '}
          <select
            data-testid="rank-select"
            value={rank.key}
            onChange={(e) => view.set({ rank: e.target.value === 'calls' ? null : e.target.value })}
          >
            {RANKS.map((r) => (
              <option key={r.key} value={r.key}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <input
          type="search"
          aria-label="Search users"
          placeholder="Search users"
          data-testid="user-search"
          value={search}
          onChange={(e) => view.set({ q: e.target.value || null }, { replace: true })}
        />
      </div>
      <QueryView query={users} what="Loading users">
        {(b) => <Ranked breakdown={b} rank={rank} search={search} />}
      </QueryView>
    </div>
  );
}

function Ranked({ breakdown, rank, search }: { breakdown: Breakdown; rank: Rank; search: string }) {
  const view = useView();
  const [, navigate] = useLocation();
  // Calls without a user id form a row of their own (value null): counted, but there is no user to open.
  const named = useMemo(
    () => breakdown.rows.filter((r): r is BreakdownRow & { value: string } => r.value !== null),
    [breakdown],
  );
  const anonymous = breakdown.rows.find((r) => r.value === null);
  const position = useMemo(() => new Map(named.map((r, i) => [r.value, i + 1])), [named]);
  const needle = search.trim().toLowerCase();
  const shown = needle ? named.filter((r) => r.value.toLowerCase().includes(needle)) : named;
  const option = useMemo(() => rankOption(named.slice(0, 10), rank), [named, rank]);
  const t = breakdown.total;

  if (named.length === 0) {
    return <Empty>No calls with a user id in this range{view.filters.length > 0 ? ' and these filters' : ''}.</Empty>;
  }
  return (
    <>
      <div className="kpis" data-testid="kpis">
        <Kpi testId="kpi-users" label="Users" value={count(named.length) + (breakdown.other ? '+' : '')} />
        <Kpi testId="kpi-calls" label="Calls" value={count(t.calls)} />
        <Kpi testId="kpi-tokens" label="Tokens" value={countShort(t.total_tokens)} />
        <Kpi testId="kpi-cost" label="Cost" value={usd(t.cost_usd)} />
      </div>
      <div className="grid users-grid">
        <section className="panel" aria-labelledby="users-top">
          <h2 id="users-top">Top users by {rank.label.toLowerCase()}</h2>
          <Chart option={option} label={`Top users by ${rank.label.toLowerCase()}`} height={280} />
        </section>
        <section className="panel" aria-labelledby="users-all">
          <h2 id="users-all">
            {needle ? `${count(shown.length)} of ${count(named.length)} users` : `${count(named.length)} users`}
          </h2>
          <DataTable
            testId="users-table"
            rows={shown}
            rowKey={(r) => r.value}
            onRowClick={(r) => navigate(`/users/${segment(r.value)}${view.carry ? `?${view.carry}` : ''}`)}
            columns={columns(position)}
            empty={`No user id contains “${search.trim()}”.`}
          />
          <p className="muted users-note">
            {breakdown.other
              ? `Showing the first ${count(LIMIT)} users by ${rank.label.toLowerCase()}; narrow the range or add filters to see the others. `
              : ''}
            {anonymous ? `${count(anonymous.calls as number)} calls of the range have no user id.` : ''}
          </p>
        </section>
      </div>
    </>
  );
}

function columns(position: Map<string, number>): Column<BreakdownRow & { value: string }>[] {
  const num = (metric: string) => (r: BreakdownRow) => r[metric] as number | null;
  return [
    {
      key: 'rank',
      label: '#',
      numeric: true,
      render: (r) => position.get(r.value),
      sort: (r) => position.get(r.value) ?? null,
    },
    { key: 'user', label: 'User', render: (r) => r.value, sort: (r) => r.value },
    { key: 'calls', label: 'Calls', numeric: true, render: (r) => count(num('calls')(r)), sort: num('calls') },
    {
      key: 'sessions',
      label: 'Sessions',
      numeric: true,
      render: (r) => count(num('sessions')(r)),
      sort: num('sessions'),
    },
    {
      key: 'tokens',
      label: 'Tokens',
      numeric: true,
      render: (r) => countShort(num('total_tokens')(r)),
      sort: num('total_tokens'),
    },
    { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(num('cost_usd')(r)), sort: num('cost_usd') },
    {
      key: 'error_rate',
      label: 'Error rate',
      numeric: true,
      render: (r) => pct(num('error_rate')(r)),
      sort: num('error_rate'),
    },
  ];
}
