import { useLocation } from 'wouter';
import { DataTable } from '../../components/DataTable.js';
import { FilterBar } from '../../components/FilterBar.js';
import { Kpi } from '../../components/Kpi.js';
import { Empty, QueryView } from '../../components/States.js';
import { count, countShort, dateTime, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { segment } from '../users/route-param.js';
import { CALLS_READ, LIST_LIMIT, useSessionList } from './session-list.js';
import type { SessionList as List, SessionRow } from './types.js';

/** The sessions of the range, newest first, narrowed by the shared filters and a search over their ids. */
export function SessionList() {
  const view = useView();
  const sessions = useSessionList();
  const search = view.search.get('q') ?? '';
  return (
    <div data-page="sessions" data-ready={sessions.data ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Sessions</h1>
        <span className="muted">{view.range.label}</span>
      </div>
      <FilterBar />
      <div className="toolbar">
        <input
          type="search"
          aria-label="Search sessions"
          placeholder="Search sessions"
          data-testid="session-search"
          value={search}
          onChange={(e) => view.set({ q: e.target.value || null }, { replace: true })}
        />
      </div>
      <QueryView query={sessions} what="Loading sessions">
        {(list) => <Sessions list={list} search={search} />}
      </QueryView>
    </div>
  );
}

function Sessions({ list, search }: { list: List; search: string }) {
  const view = useView();
  const [, navigate] = useLocation();
  const needle = search.trim().toLowerCase();
  const shown = needle ? list.rows.filter((r) => r.session_id.toLowerCase().includes(needle)) : list.rows;
  if (list.rows.length === 0) {
    return (
      <Empty>No calls with a session id in this range{view.filters.length > 0 ? ' and these filters' : ''}.</Empty>
    );
  }
  const sum = (f: (r: SessionRow) => number | null) => list.rows.reduce((n, r) => n + (f(r) ?? 0), 0);
  return (
    <>
      <div className="kpis" data-testid="kpis">
        <Kpi testId="kpi-sessions" label="Sessions" value={count(list.rows.length) + (list.truncated ? '+' : '')} />
        <Kpi testId="kpi-calls" label="Calls in sessions" value={count(sum((r) => r.calls))} />
        <Kpi testId="kpi-cost" label="Cost of sessions" value={usd(sum((r) => r.cost_usd))} />
        <Kpi testId="kpi-errors" label="Errors in sessions" value={count(sum((r) => r.errors))} />
      </div>
      <section className="panel" aria-labelledby="sessions-all">
        <h2 id="sessions-all">
          {needle
            ? `${count(shown.length)} of ${count(list.rows.length)} sessions`
            : `${count(list.rows.length)} sessions`}
          <span className="muted"> · newest first</span>
        </h2>
        <DataTable
          testId="sessions-table"
          rows={shown}
          rowKey={(r) => r.session_id}
          onRowClick={(r) => navigate(`/sessions/${segment(r.session_id)}${view.carry ? `?${view.carry}` : ''}`)}
          empty={`No session id contains “${search.trim()}”.`}
          columns={[
            { key: 'session', label: 'Session', render: (r) => r.session_id, sort: (r) => r.session_id },
            { key: 'calls', label: 'Calls', numeric: true, render: (r) => count(r.calls), sort: (r) => r.calls },
            { key: 'users', label: 'Users', numeric: true, render: (r) => count(r.users), sort: (r) => r.users },
            {
              key: 'tokens',
              label: 'Tokens',
              numeric: true,
              render: (r) => countShort(r.total_tokens),
              sort: (r) => r.total_tokens,
            },
            { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(r.cost_usd), sort: (r) => r.cost_usd },
            { key: 'errors', label: 'Errors', numeric: true, render: (r) => count(r.errors), sort: (r) => r.errors },
            {
              key: 'first',
              label: 'First call',
              render: (r) => dateTime(r.first_seen),
              sort: (r) => r.first_seen,
            },
            {
              key: 'last',
              label: 'Last call',
              render: (r) => dateTime(r.last_seen),
              sort: (r) => r.last_seen,
            },
          ]}
        />
        <Notes list={list} />
      </section>
    </>
  );
}

function Notes({ list }: { list: List }) {
  const notes: string[] = [];
  if (list.truncated) {
    notes.push(
      `The list holds the ${count(LIST_LIMIT)} sessions with the most calls; narrow the range or add filters to see the others.`,
    );
  }
  if (list.partialTimes) {
    notes.push(
      `First and last calls are read from the newest ${count(CALLS_READ)} calls of the range; sessions without calls among them come last.`,
    );
  }
  if (list.unassigned > 0) notes.push(`${count(list.unassigned)} calls of the range have no session id.`);
  if (notes.length === 0) return null;
  return <p className="muted sessions-note">{notes.join(' ')}</p>;
}
