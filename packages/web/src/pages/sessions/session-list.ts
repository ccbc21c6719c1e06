import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, type Params } from '../../api/client.js';
import type { Breakdown, EventsPage } from '../../api/types.js';
import { useView } from '../../state/view.js';
import type { SessionList, SessionRow } from './types.js';

/** The most sessions one list holds: the breakdown's own limit. */
export const LIST_LIMIT = 1000;
const METRICS = 'calls,users,total_tokens,cost_usd,errors';
/** The most calls read, newest first, to find when each session started and ended. */
export const CALLS_READ = 3000;
const CALL_PAGE = 1000;

/** The sessions of the view's range and filters, newest first by their last call. */
export function useSessionList() {
  const view = useView();
  return useQuery({
    queryKey: ['/api/v1/analytics/breakdown', 'sessions', view.params, view.project],
    queryFn: ({ signal }) => loadSessions(view.params, view.filterParams, view.project, signal),
    refetchInterval: view.refreshSeconds === 0 ? false : view.refreshSeconds * 1000,
    placeholderData: keepPreviousData,
  });
}

/**
 * The breakdown gives each session's numbers; it does not give times (it refuses `first_seen,last_seen`), so the
 * first and last call of each session come from the range's calls themselves, newest first.
 */
async function loadSessions(
  params: Params,
  filters: Params,
  project: string | null,
  signal: AbortSignal,
): Promise<SessionList> {
  const b = await api<Breakdown>(
    '/api/v1/analytics/breakdown',
    { ...params, by: 'session_id', metrics: METRICS, limit: LIST_LIMIT },
    { project, signal },
  );
  return listOf(b, await timesFromCalls(b, filters, project, signal));
}

interface Seen {
  times: Map<string, { first: number; last: number }>;
  complete: boolean;
}

/** First and last call of each session among the newest calls of the breakdown's own range and filters. */
async function timesFromCalls(
  b: Breakdown,
  filters: Params,
  project: string | null,
  signal: AbortSignal,
): Promise<Seen> {
  const times = new Map<string, { first: number; last: number }>();
  let cursor: string | null = null;
  for (let read = 0; read < CALLS_READ; read += CALL_PAGE) {
    const answer: EventsPage = await api<EventsPage>(
      '/api/v1/analytics/events',
      { ...filters, from: b.from, to: b.to, limit: CALL_PAGE, cursor },
      { project, signal },
    );
    for (const call of answer.events) {
      const id = call.session_id;
      if (typeof id !== 'string') continue;
      const at = toMs(call.timestamp);
      const seen = times.get(id);
      if (!seen) times.set(id, { first: at, last: at });
      else times.set(id, { first: Math.min(seen.first, at), last: Math.max(seen.last, at) });
    }
    cursor = answer.next_cursor;
    if (!cursor) return { times, complete: true };
  }
  return { times, complete: false };
}

export const toMs = (v: string | number | null | undefined): number =>
  v === null || v === undefined ? Number.NaN : typeof v === 'number' ? v : Date.parse(v);

function listOf(b: Breakdown, seen: Seen): SessionList {
  const rows: SessionRow[] = [];
  let unassigned = 0;
  for (const r of b.rows) {
    if (r.value === null) {
      unassigned = Number(r.calls ?? 0);
      continue;
    }
    const times = seen.times.get(r.value);
    rows.push({
      session_id: r.value,
      calls: Number(r.calls ?? 0),
      users: Number(r.users ?? 0),
      total_tokens: Number(r.total_tokens ?? 0),
      cost_usd: (r.cost_usd as number | null) ?? null,
      errors: Number(r.errors ?? 0),
      first_seen: times?.first ?? null,
      last_seen: times?.last ?? null,
    });
  }
  // Newest first; sessions whose times are unknown (beyond the calls read) go last, busiest first.
  rows.sort((x, y) => (toMs(y.last_seen) || 0) - (toMs(x.last_seen) || 0) || y.calls - x.calls);
  return { rows, unassigned, truncated: b.other !== null, partialTimes: !seen.complete };
}
