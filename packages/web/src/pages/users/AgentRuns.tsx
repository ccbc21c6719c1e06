import { useMemo } from 'react';
import { useApi } from '../../api/hooks.js';
import { Chart } from '../../charts/Chart.js';
import { DataTable } from '../../components/DataTable.js';
import { Kpi } from '../../components/Kpi.js';
import { QueryView } from '../../components/States.js';
import { count, ms, pct, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { dayLabel, utcDaysOf } from './days.js';
import { segment } from './route-param.js';
import { dailyCostOption, outcomeOption, periodLabel } from './run-charts.js';
import type { UserAgentRuns } from './types.js';

/**
 * The agent-run view of a user (GET /api/v1/analytics/user/{user_id}): cost, runs by outcome and conversations per
 * whole UTC day, over the UTC days the range touches.
 */
export function AgentRuns({ id }: { id: string }) {
  const view = useView();
  const runs = useApi<UserAgentRuns>(`/api/v1/analytics/user/${segment(id)}`, { days: utcDaysOf(view.range) });
  return (
    <section
      className="panel user-section"
      aria-labelledby="user-runs"
      data-testid="agent-runs"
      data-ready={runs.data ? 'true' : 'false'}
    >
      <h2 id="user-runs">Agent runs by UTC day</h2>
      <QueryView query={runs} what="Loading agent runs">
        {(r) => <RunsBody runs={r} />}
      </QueryView>
    </section>
  );
}

function RunsBody({ runs }: { runs: UserAgentRuns }) {
  const cost = useMemo(() => dailyCostOption(runs), [runs]);
  const outcomes = useMemo(() => outcomeOption(runs.agent_runs_by_outcome), [runs]);
  const s = runs.summary;
  const period = (
    <p className="muted">
      {periodLabel(runs.period)} (UTC, {count(runs.period.days)} days). Each recorded call of the user is one run.
    </p>
  );
  if (s.total_agent_runs === 0) {
    return (
      <>
        {period}
        <div className="state empty">No agent runs in these days.</div>
      </>
    );
  }
  return (
    <>
      {period}
      <div className="kpis">
        <Kpi testId="runs-total" label="Agent runs" value={count(s.total_agent_runs)} />
        <Kpi testId="runs-cost" label="Cost" value={usd(s.total_cost)} />
        <Kpi testId="runs-success" label="Success rate" value={pct(s.success_rate)} />
        <Kpi testId="runs-duration" label="Average duration" value={ms(s.avg_duration_ms)} />
      </div>
      <div className="grid runs-grid">
        <div>
          <h3>Cost per day</h3>
          <Chart option={cost} label="Agent run cost per UTC day" />
        </div>
        <div>
          <h3>Runs by outcome</h3>
          <Chart option={outcomes} label="Agent runs by outcome" height={200} />
          <ul className="outcomes" data-testid="runs-outcomes">
            {Object.entries(runs.agent_runs_by_outcome).map(([outcome, n]) => (
              <li key={outcome} data-outcome={outcome}>
                <span className={`badge ${outcome}`}>{outcome}</span> <strong>{count(n)}</strong>
              </li>
            ))}
          </ul>
        </div>
      </div>
      <h3>Conversations</h3>
      <DataTable
        testId="conversations"
        rows={runs.conversation_stats}
        rowKey={(r) => r.date}
        empty="No conversations (calls with a session id) in these days."
        columns={[
          { key: 'date', label: 'Day (UTC)', render: (r) => dayLabel(r.date), sort: (r) => r.date },
          { key: 'count', label: 'Conversations', numeric: true, render: (r) => count(r.count), sort: (r) => r.count },
          {
            key: 'avg',
            label: 'Calls per conversation',
            numeric: true,
            render: (r) => r.avg_messages.toLocaleString(undefined, { maximumFractionDigits: 1 }),
            sort: (r) => r.avg_messages,
          },
        ]}
      />
    </>
  );
}
