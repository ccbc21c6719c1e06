import { useCallback, useState } from 'react';
import type { CallItem } from '../api/types.js';
import { Drawer } from '../components/Drawer.js';
import { FilterBar } from '../components/FilterBar.js';
import { Kpi } from '../components/Kpi.js';
import { count, countShort, dateTime, usd } from '../format.js';
import { useView } from '../state/view.js';
import { CallDetail } from './live/CallDetail.js';
import { MAX_KEPT } from './live/feed.js';
import { LiveStatus } from './live/LiveStatus.js';
import { LiveTable } from './live/LiveTable.js';
import { useLiveFeed } from './live/useLiveFeed.js';
import './Live.css';

/**
 * Calls as Tally stores them, newest on top, for the current project and filters (the time range does not apply:
 * everything here is new). Running totals count what arrived since the view opened or its filters changed.
 */
export default function Live() {
  const view = useView();
  const { feed, state, pause, resume, clear, retryNow, restart } = useLiveFeed(view.project, view.filterParams);
  const [selected, setSelected] = useState<CallItem | null>(null);
  const open = useCallback((c: CallItem) => setSelected(c), []);
  const t = feed.totals;

  return (
    <div data-page="live" data-ready={state.kind === 'live' ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Live</h1>
        <LiveStatus state={state} onRetryNow={retryNow} onRestart={restart} />
      </div>
      <p className="muted live-intro">
        Calls appear here as Tally stores them; the time range does not apply. Filters do: changing one starts a new
        count.
      </p>
      <FilterBar />
      <div className="kpis" data-testid="live-totals">
        <Kpi testId="live-calls" label="Calls" value={count(t.calls)} />
        <Kpi testId="live-tokens" label="Tokens" value={countShort(t.tokens)} />
        <Kpi testId="live-cost" label={t.unpriced > 0 ? 'Cost (priced calls)' : 'Cost'} value={usd(t.cost)} />
        <Kpi testId="live-errors" label="Errors" value={count(t.errors)} />
      </div>
      <div className="toolbar">
        <button
          type="button"
          className={feed.paused ? 'primary' : undefined}
          aria-pressed={feed.paused}
          onClick={feed.paused ? resume : pause}
          data-testid="live-pause"
        >
          {feed.paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
        <span className="muted" data-testid="live-since">
          Counting since {dateTime(feed.since)}
        </span>
        {feed.paused ? (
          <span className="badge live-waiting" data-testid="live-waiting" role="status">
            Paused: {count(feed.waitingCount)} new {feed.waitingCount === 1 ? 'call' : 'calls'} waiting
          </span>
        ) : null}
      </div>
      {feed.missed > 0 ? (
        <p className="state error" role="alert" data-testid="live-missed">
          This view fell behind and the server skipped {count(feed.missed)} {feed.missed === 1 ? 'call' : 'calls'}. They
          are stored: find them on the Explorer page. The totals above leave them out.
        </p>
      ) : null}
      <section className="panel" aria-label="Newest calls">
        <LiveTable
          calls={feed.shown}
          onOpen={open}
          empty={
            state.kind === 'live'
              ? 'Waiting for calls: new ones appear here as they are stored.'
              : 'No calls yet: the view is not connected.'
          }
        />
        {feed.shown.length >= MAX_KEPT ? (
          <p className="muted">Only the newest {MAX_KEPT} calls are kept here.</p>
        ) : null}
      </section>
      <Drawer title="Call" open={selected !== null} onClose={() => setSelected(null)}>
        {selected ? <CallDetail call={selected} /> : null}
      </Drawer>
    </div>
  );
}
