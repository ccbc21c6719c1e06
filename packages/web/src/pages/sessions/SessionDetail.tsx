import { useCallback, useMemo, useRef } from 'react';
import { Link } from 'wouter';
import { useApi } from '../../api/hooks.js';
import type { Project } from '../../api/types.js';
import { Chart } from '../../charts/Chart.js';
import { Kpi } from '../../components/Kpi.js';
import { ErrorBox, Loading } from '../../components/States.js';
import { count, countShort, dateTime, ms, usd } from '../../format.js';
import { useView } from '../../state/view.js';
import { segment } from '../users/route-param.js';
import { CallEntry } from './CallEntry.js';
import { capturePolicyOf } from './capture-policy.js';
import { toMs } from './session-list.js';
import { spanOf } from './span.js';
import { PLOTS, timelineOption, type Plot } from './timeline-option.js';
import type { SessionCall, SessionPage } from './types.js';
import { useSession } from './use-session.js';

/** One session as a timeline: its calls over time as a chart, then each call in order with its content. */
export function SessionDetail({ id }: { id: string }) {
  const view = useView();
  const session = useSession(id);
  // The same query as the project switcher's, so it is asked once.
  const projects = useApi<{ projects: Project[] }>('/api/v1/projects', {}, { refresh: false });
  const policy = capturePolicyOf(projects.data?.projects, view.project);
  const calls = useMemo(() => session.data?.pages.flatMap((p) => p.calls) ?? [], [session.data]);
  const head = session.data?.pages[0];
  const carry = view.carry ? `?${view.carry}` : '';

  return (
    <div data-page="session" data-ready={head ? 'true' : 'false'}>
      <p className="back-link">
        <Link href={`/sessions${carry}`}>← All sessions</Link>
      </p>
      <div className="page-head">
        <h1>
          Session <span data-testid="session-id">{id}</span>
        </h1>
        {head ? (
          <span className="muted" data-testid="session-span">
            {dateTime(head.first_seen)} – {dateTime(head.last_seen)} ·{' '}
            {spanOf(toMs(head.last_seen) - toMs(head.first_seen))}
          </span>
        ) : null}
      </div>
      {session.error && !head ? (
        <ErrorBox error={session.error} onRetry={() => session.refetch()} />
      ) : head ? (
        <>
          <Totals head={head} calls={calls} carry={carry} />
          <Timeline calls={calls} total={Number(head.totals.calls ?? calls.length)} />
          <Calls
            calls={calls}
            total={Number(head.totals.calls ?? calls.length)}
            policy={policy}
            more={
              session.hasNextPage
                ? { load: () => void session.fetchNextPage(), loading: session.isFetchingNextPage }
                : null
            }
          />
          {session.error ? <ErrorBox error={session.error} onRetry={() => session.refetch()} /> : null}
        </>
      ) : (
        <Loading what="Loading the session" />
      )}
    </div>
  );
}

function Totals({ head, calls, carry }: { head: SessionPage; calls: SessionCall[]; carry: string }) {
  const t = head.totals;
  const users = [...new Set(calls.map((c) => c.user_id).filter((u): u is string => typeof u === 'string'))];
  return (
    <>
      <div className="kpis" data-testid="kpis">
        <Kpi testId="kpi-calls" label="Calls" value={count(t.calls)} />
        <Kpi testId="kpi-tokens" label="Tokens" value={countShort(t.total_tokens)} />
        <Kpi testId="kpi-cost" label="Cost" value={usd(t.cost_usd)} />
        <Kpi testId="kpi-errors" label="Errors" value={count(t.errors)} />
        <Kpi testId="kpi-p50" label="p50 duration" value={ms(t.p50_duration_ms)} />
      </div>
      {users.length > 0 ? (
        <p className="session-users">
          {users.length === 1 ? 'User ' : 'Users '}
          {users.map((u, i) => (
            <span key={u}>
              {i > 0 ? ', ' : null}
              <Link href={`/users/${segment(u)}${carry}`}>{u}</Link>
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}

function Timeline({ calls, total }: { calls: SessionCall[]; total: number }) {
  const view = useView();
  const plot: Plot = view.search.get('plot') === 'tokens' ? 'tokens' : 'duration';
  const option = useMemo(() => timelineOption(calls, plot), [calls, plot]);
  const label = PLOTS.find((p) => p.key === plot)!.label;
  const open = (callId: string) => {
    const index = calls.findIndex((c) => c.id === callId);
    const el = document.getElementById(`call-${index}`);
    const ids = new Set((view.search.get('open') ?? '').split(',').filter(Boolean));
    ids.add(callId);
    view.set({ open: [...ids].join(',') }, { replace: true });
    el?.scrollIntoView({ block: 'center' });
    el?.querySelector('button')?.focus({ preventScroll: true });
  };
  return (
    <section className="panel session-timeline" aria-labelledby="session-timeline">
      <div className="panel-head">
        <h2 id="session-timeline">Timeline</h2>
        <label>
          Bar height{' '}
          <select
            data-testid="plot-select"
            value={plot}
            onChange={(e) => view.set({ plot: e.target.value === 'duration' ? null : e.target.value })}
          >
            {PLOTS.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Chart option={option} label={`${label} of each call of the session over time`} height={240} onSelect={open} />
      <p className="muted">
        {calls.length < total ? `The ${count(calls.length)} calls loaded so far of ${count(total)}. ` : ''}A click on a
        bar opens its call below.
      </p>
    </section>
  );
}

function Calls({
  calls,
  total,
  policy,
  more,
}: {
  calls: SessionCall[];
  total: number;
  policy: string | null;
  more: { load: () => void; loading: boolean } | null;
}) {
  const view = useView();
  const open = new Set((view.search.get('open') ?? '').split(',').filter(Boolean));
  // The newest view, read when a call is toggled: the callback itself stays the same, so calls are not redrawn.
  const latest = useRef({ open, view });
  latest.current = { open, view };
  const toggle = useCallback((callId: string) => {
    const next = new Set(latest.current.open);
    if (next.has(callId)) next.delete(callId);
    else next.add(callId);
    latest.current.view.set({ open: [...next].join(',') || null }, { replace: true });
  }, []);
  return (
    <section className="panel" aria-labelledby="session-calls">
      <h2 id="session-calls">
        Calls <span className="muted">in order</span>
      </h2>
      <ol className="calls" data-testid="session-calls">
        {calls.map((c, i) => (
          <CallEntry key={c.id} call={c} index={i} open={open.has(c.id)} onToggle={toggle} policy={policy} />
        ))}
      </ol>
      <div className="calls-foot">
        <span className="muted" data-testid="calls-shown">
          {count(calls.length)} of {count(total)} calls
        </span>
        {more ? (
          <button type="button" onClick={more.load} disabled={more.loading} data-testid="load-more">
            {more.loading ? 'Loading…' : 'Load more calls'}
          </button>
        ) : null}
      </div>
    </section>
  );
}
