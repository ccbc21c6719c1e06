import { useMemo, type ReactNode } from 'react';
import { Link } from 'wouter';
import { ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import type { Summary } from '../../api/types.js';
import { Chart } from '../../charts/Chart.js';
import { DataTable } from '../../components/DataTable.js';
import { Kpi } from '../../components/Kpi.js';
import { Empty, ErrorBox, Loading, QueryView } from '../../components/States.js';
import { count, dateTime, ms } from '../../format.js';
import { useView } from '../../state/view.js';
import { dailyBars, dateLabel } from './daily-charts.js';
import {
  useSeed,
  utcInstant,
  type ActivityTimeline,
  type AgentMetrics,
  type AgentVersion,
  type DetailedUsage,
  type RecentMessages,
  type TokensUsage,
  type TotalTokens,
} from './seed-000.js';
import { seedRange } from './seed-range.js';

const LIST_LIMIT = 25;

type Query<T> = Parameters<typeof QueryView<T>>[0]['query'];

/** A seed 000 view: its 404 (no calls in the period) is an empty view, not a failure. */
function SeedView<T>({ query, children }: { query: Query<T>; children: (data: T) => ReactNode }) {
  if (query.error instanceof ApiError && query.error.status === 404 && query.data === undefined) {
    return <Empty>{query.error.message}</Empty>;
  }
  return <QueryView query={query}>{children}</QueryView>;
}

/** Seed 000's views of one agent version: totals, daily activity and tokens, and its newest messages. */
export function AgentDetail({ agent, onClose }: { agent: AgentVersion; onClose: () => void }) {
  const view = useView();
  const tz = view.range.params['tz'] ?? 'UTC';
  const range = useMemo(() => seedRange(view.range), [view.range]);
  const tab = view.search.get('tab') === 'usage' ? 'usage' : 'messages';

  // The seed routes answer 404 for a version without calls in the period: ask first, so none is sent for nothing.
  const probe = useApi<Summary>('/api/v1/analytics/summary', {
    hours: range.days * 24,
    tz,
    agent_name: agent.name,
    agent_version: agent.version,
  });
  const known = probe.data !== undefined && !probe.isPlaceholderData;
  const active = known && (probe.data?.metrics['calls'] ?? 0) > 0;
  const days = range.days;
  const metrics = useSeed<AgentMetrics>('/analytics/agent', agent, days, tz, active);
  const timeline = useSeed<ActivityTimeline>('/activitytimeline', agent, days, tz, active);
  const tokens = useSeed<TokensUsage>('/tokens-usage', agent, days, tz, active);
  const totals = useSeed<TotalTokens>('/total-tokens', agent, days, tz, active);
  const limit = { limit: LIST_LIMIT };
  const messages = useSeed<RecentMessages>('/recentmessages', agent, days, tz, active && tab === 'messages', limit);
  const usage = useSeed<DetailedUsage>('/detailed-usage', agent, days, tz, active && tab === 'usage', limit);
  const ready = known && (!active || [metrics, timeline, tokens, totals].every((q) => q.data !== undefined));
  const title = `${agent.name} ${agent.version}`;

  return (
    <section
      className="panel agents-detail"
      aria-labelledby="agent-detail-title"
      data-testid="agent-detail"
      data-ready={ready ? 'true' : 'false'}
    >
      <div className="agents-detail-head">
        <h2 id="agent-detail-title">{title}</h2>
        {metrics.data ? (
          <span className="muted" data-testid="seed-dates">
            {dateLabel(metrics.data.date_range.start_date)} – {dateLabel(metrics.data.date_range.end_date)}
          </span>
        ) : null}
        <div className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted agents-note" data-testid="seed-range">
        {range.note ?? `These views cover the ${view.range.label.toLowerCase()}, ending now.`}
        {view.filters.length > 0 ? ' The filters above do not apply to them: they show all calls of this version.' : ''}
      </p>
      {probe.error && !probe.data ? <ErrorBox error={probe.error} onRetry={() => probe.refetch()} /> : null}
      {!known && !probe.error ? <Loading what={`Loading ${title}`} /> : null}
      {known && !active ? (
        <Empty>
          {title} made no calls in the period these views cover. Choose a longer time range, or another version.
        </Empty>
      ) : null}
      {active ? (
        <>
          <SeedView query={metrics}>{(m) => <Totals metrics={m} totals={totals.data} />}</SeedView>
          <div className="grid two">
            <div>
              <h3 id="agent-activity">Daily activity</h3>
              <SeedView query={timeline}>{(t) => <ActivityChart data={t} />}</SeedView>
            </div>
            <div>
              <h3 id="agent-tokens">Token usage per day</h3>
              <SeedView query={tokens}>{(t) => <TokensChart data={t} />}</SeedView>
            </div>
          </div>
          <div className="tabs" role="tablist" aria-label="Calls of this version">
            <TabButton id="messages" current={tab} label="Recent messages" />
            <TabButton id="usage" current={tab} label="Usage log" />
          </div>
          <div role="tabpanel" id={`agent-tab-${tab}`} aria-labelledby={`agent-tab-button-${tab}`}>
            {tab === 'messages' ? (
              <SeedView query={messages}>{(m) => <MessagesTable data={m} />}</SeedView>
            ) : (
              <SeedView query={usage}>{(u) => <UsageTable data={u} />}</SeedView>
            )}
          </div>
        </>
      ) : null}
    </section>
  );
}

function TabButton({ id, current, label }: { id: string; current: string; label: string }) {
  const view = useView();
  return (
    <button
      type="button"
      role="tab"
      id={`agent-tab-button-${id}`}
      aria-selected={current === id}
      aria-controls={`agent-tab-${id}`}
      onClick={() => view.set({ tab: id === 'messages' ? null : id }, { replace: true })}
    >
      {label}
    </button>
  );
}

function Totals({ metrics, totals }: { metrics: AgentMetrics; totals: TotalTokens | undefined }) {
  const m = metrics.metrics;
  return (
    <div className="kpis" data-testid="agent-kpis">
      <Kpi testId="agent-sessions" label="Sessions" value={count(m.total_sessions)} />
      <Kpi testId="agent-messages" label="Messages" value={count(m.total_messages)} />
      <Kpi testId="agent-users" label="Users" value={count(m.total_users)} />
      <Kpi testId="agent-daily" label="Messages per day" value={m.avg_daily_messages.toLocaleString()} />
      <Kpi
        testId="agent-total-tokens"
        label="Total tokens"
        value={totals ? count(totals.total_prompt_tokens + totals.total_completion_tokens) : '…'}
      />
      <Kpi
        testId="agent-prompt-tokens"
        label="Prompt tokens"
        value={totals ? count(totals.total_prompt_tokens) : '…'}
      />
      <Kpi
        testId="agent-completion-tokens"
        label="Completion tokens"
        value={totals ? count(totals.total_completion_tokens) : '…'}
      />
    </div>
  );
}

function ActivityChart({ data }: { data: ActivityTimeline }) {
  const option = useMemo(() => dailyBars(data.daily_sessions, [{ key: 'sessions', label: 'Sessions' }]), [data]);
  return <Chart option={option} label="Sessions per day" height={220} />;
}

function TokensChart({ data }: { data: TokensUsage }) {
  const option = useMemo(
    () =>
      dailyBars(
        data.daily_tokens,
        [
          { key: 'prompt_tokens', label: 'Prompt tokens' },
          { key: 'completion_tokens', label: 'Completion tokens' },
        ],
        true,
      ),
    [data],
  );
  return <Chart option={option} label="Prompt and completion tokens per day" height={220} />;
}

/** Two entries may share their second and their figures: their place in the answer tells them apart. */
type Message = RecentMessages['messages'][number] & { n: number };

function MessagesTable({ data }: { data: RecentMessages }) {
  const view = useView();
  const carry = view.carry ? `?${view.carry}` : '';
  return (
    <DataTable<Message>
      testId="recent-messages"
      rows={data.messages.map((m, n) => ({ ...m, n }))}
      rowKey={(m) => String(m.n)}
      empty="No stored replies in this period: calls keep their text only when the capture policy allows it."
      columns={[
        {
          key: 'time',
          label: 'Time',
          render: (m) => <span data-col="time">{dateTime(utcInstant(m.timestamp))}</span>,
          sort: (m) => m.timestamp,
        },
        {
          key: 'session',
          label: 'Session',
          render: (m) =>
            m.session_id === null ? (
              '(none)'
            ) : (
              <Link href={`/sessions/${encodeURIComponent(m.session_id)}${carry}`} data-col="session">
                {m.session_id}
              </Link>
            ),
          sort: (m) => m.session_id,
        },
        { key: 'model', label: 'Model', render: (m) => m.model_name ?? '(none)', sort: (m) => m.model_name },
        {
          key: 'length',
          label: 'Length',
          numeric: true,
          render: (m) => count(m.message_length),
          sort: (m) => m.message_length,
        },
        {
          key: 'message',
          label: 'Message',
          render: (m) => (
            <span className="agents-message" data-col="message">
              {m.message}
            </span>
          ),
        },
      ]}
    />
  );
}

type UsageLog = DetailedUsage['usage_logs'][number] & { n: number };

function UsageTable({ data }: { data: DetailedUsage }) {
  return (
    <DataTable<UsageLog>
      testId="usage-log"
      rows={data.usage_logs.map((u, n) => ({ ...u, n }))}
      rowKey={(u) => String(u.n)}
      columns={[
        {
          key: 'time',
          label: 'Time',
          render: (u) => dateTime(utcInstant(u.timestamp)),
          sort: (u) => u.timestamp,
        },
        {
          key: 'prompt',
          label: 'Prompt tokens',
          numeric: true,
          render: (u) => count(u.prompt_tokens),
          sort: (u) => u.prompt_tokens,
        },
        {
          key: 'completion',
          label: 'Completion tokens',
          numeric: true,
          render: (u) => count(u.completion_tokens),
          sort: (u) => u.completion_tokens,
        },
        {
          key: 'total',
          label: 'Total tokens',
          numeric: true,
          render: (u) => count(u.total_tokens),
          sort: (u) => u.total_tokens,
        },
        {
          key: 'duration',
          label: 'Duration',
          numeric: true,
          render: (u) => ms(u.duration_seconds === null ? null : u.duration_seconds * 1000),
          sort: (u) => u.duration_seconds,
        },
      ]}
    />
  );
}
