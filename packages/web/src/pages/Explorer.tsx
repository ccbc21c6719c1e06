import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../api/hooks.js';
import type { Summary } from '../api/types.js';
import { Drawer } from '../components/Drawer.js';
import { FilterBar } from '../components/FilterBar.js';
import { ErrorBox, Loading } from '../components/States.js';
import { count } from '../format.js';
import { useView } from '../state/view.js';
import { EventDetail } from './explorer/EventDetail.js';
import { EventsTable } from './explorer/EventsTable.js';
import { ExportForm } from './explorer/ExportForm.js';
import { MetadataFilter } from './explorer/MetadataFilter.js';
import { useAnchoredRange } from './explorer/range.js';
import { useEventPages } from './explorer/useEventPages.js';
import './Explorer.css';

/**
 * Every stored call of the range and filters, newest first, page by page; a call's every field in a drawer (its id
 * in the URL, so a link opens it); and the same selection exported as a file.
 */
export default function Explorer() {
  const view = useView();
  const [readingMore, setReadingMore] = useState(false);
  const range = useAnchoredRange(view, readingMore);
  const events = useEventPages(range, view.filterParams, view.project);
  const summary = useApi<Summary>(
    '/api/v1/analytics/summary',
    { ...view.filterParams, from: range.from, to: range.to, tz: view.range.params['tz'] },
    { refresh: false },
  );
  const pages = events.data?.pages;
  const calls = useMemo(() => pages?.flatMap((p) => p.events) ?? [], [pages]);
  const pageCount = pages?.length ?? 0;
  // A new range or filter starts again from the first page, and auto-refresh may move the range again.
  useEffect(() => {
    if (pageCount <= 1) setReadingMore(false);
  }, [pageCount]);

  const selected = view.search.get('event');
  const ready = events.data !== undefined && !events.isPlaceholderData && summary.data !== undefined;
  const matching = summary.data?.metrics.calls;

  return (
    <div data-page="explorer" data-ready={ready ? 'true' : 'false'} data-from={range.from} data-to={range.to}>
      <div className="page-head">
        <h1>Explorer</h1>
        <span className="muted">{view.range.label}</span>
        <span data-testid="match-count">
          {matching === undefined || matching === null ? '' : `${count(matching)} ${matching === 1 ? 'call' : 'calls'}`}
        </span>
      </div>
      <FilterBar />
      <div className="toolbar explorer-tools">
        <MetadataFilter />
        <div className="spacer" />
        <button type="button" onClick={range.refresh} title="Read the calls again, up to now">
          Refresh
        </button>
        <ExportForm range={range} filters={view.filterParams} project={view.project} />
      </div>
      <section className="panel" aria-label="Calls">
        {events.error && !events.data ? (
          <ErrorBox error={events.error} onRetry={() => events.refetch()} />
        ) : !events.data ? (
          <Loading what="Loading calls" />
        ) : (
          <div className={events.isFetching && !events.isFetchingNextPage ? 'fetching' : undefined}>
            {events.error ? <ErrorBox error={events.error} onRetry={() => events.refetch()} /> : null}
            <EventsTable calls={calls} onOpen={(c) => view.set({ event: c.id })} />
            <div className="explorer-more">
              <span className="muted" data-testid="shown-count">
                {calls.length > 0 ? `Showing ${count(calls.length)} ${calls.length === 1 ? 'call' : 'calls'}` : ''}
              </span>
              {events.hasNextPage ? (
                <button
                  type="button"
                  disabled={events.isFetchingNextPage}
                  onClick={() => {
                    setReadingMore(true);
                    void events.fetchNextPage();
                  }}
                >
                  {events.isFetchingNextPage ? 'Loading…' : 'Load more'}
                </button>
              ) : null}
            </div>
          </div>
        )}
      </section>
      <Drawer
        title="Call details"
        open={selected !== null}
        onClose={() => selected !== null && view.set({ event: null })}
      >
        {selected ? <EventDetail id={selected} /> : null}
      </Drawer>
    </div>
  );
}
