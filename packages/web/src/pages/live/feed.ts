import type { CallItem } from '../../api/types.js';

/**
 * What a live view holds: the calls on screen (newest first), those that arrived while paused, and running totals
 * of everything that arrived since the view opened. Kept as a pure reducer so that a burst of calls is one update.
 */

/** Calls kept in memory at most; older ones leave the list (the totals still count them). */
export const MAX_KEPT = 500;

export interface Totals {
  calls: number;
  tokens: number;
  cost: number;
  errors: number;
  /** Calls whose cost is unknown (no price for their model): the cost total leaves them out. */
  unpriced: number;
}

export interface Feed {
  shown: CallItem[];
  /** Arrived while paused, newest first: shown when resumed. */
  waiting: CallItem[];
  /** How many arrived while paused (more than `waiting` holds once over MAX_KEPT). */
  waitingCount: number;
  paused: boolean;
  totals: Totals;
  /** Calls the server skipped because this view fell behind. */
  missed: number;
  /** When counting started (epoch ms). */
  since: number;
}

export type FeedAction =
  | { type: 'calls'; calls: CallItem[] }
  | { type: 'dropped'; count: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' };

const NO_TOTALS: Totals = { calls: 0, tokens: 0, cost: 0, errors: 0, unpriced: 0 };

export const emptyFeed = (paused = false): Feed => ({
  shown: [],
  waiting: [],
  waitingCount: 0,
  paused,
  totals: NO_TOTALS,
  missed: 0,
  since: Date.now(),
});

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A call's tokens: its total when recorded, else input plus output. */
export function tokensOf(call: CallItem): number {
  return num(call['total_tokens']) ?? (num(call['input_tokens']) ?? 0) + (num(call['output_tokens']) ?? 0);
}

function addUp(totals: Totals, calls: readonly CallItem[]): Totals {
  const t = { ...totals };
  for (const c of calls) {
    t.calls++;
    t.tokens += tokensOf(c);
    const cost = num(c['cost_usd']);
    if (cost === null) t.unpriced++;
    else t.cost += cost;
    if (c.status !== 'success') t.errors++;
  }
  return t;
}

export function feedReducer(feed: Feed, action: FeedAction): Feed {
  switch (action.type) {
    case 'calls': {
      // A stream never repeats a call, but a reconnect must not show one twice either (rows are keyed by id).
      const known = new Set([...feed.shown, ...feed.waiting].map((c) => c.id));
      const fresh = action.calls.filter((c) => !known.has(c.id) && known.add(c.id));
      if (fresh.length === 0) return feed;
      const newestFirst = fresh.reverse();
      const totals = addUp(feed.totals, newestFirst);
      if (feed.paused) {
        return {
          ...feed,
          totals,
          waiting: [...newestFirst, ...feed.waiting].slice(0, MAX_KEPT),
          waitingCount: feed.waitingCount + newestFirst.length,
        };
      }
      return { ...feed, totals, shown: [...newestFirst, ...feed.shown].slice(0, MAX_KEPT) };
    }
    case 'dropped':
      return { ...feed, missed: feed.missed + action.count };
    case 'pause':
      return { ...feed, paused: true };
    case 'resume':
      return {
        ...feed,
        paused: false,
        shown: [...feed.waiting, ...feed.shown].slice(0, MAX_KEPT),
        waiting: [],
        waitingCount: 0,
      };
    case 'reset':
      return emptyFeed(feed.paused);
  }
}
