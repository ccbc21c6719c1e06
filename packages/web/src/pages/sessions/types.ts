// Shapes of the per-session answers the Sessions page reads (see /docs for the full schemas).
import type { Num } from '../../api/types.js';

/** One stored call as the session route returns it: every field of the call, times as epoch milliseconds. */
export type SessionCall = Record<string, unknown> & {
  id: string;
  timestamp: number | string;
  model?: string | null;
  status?: string;
};

/** GET /api/v1/analytics/sessions/{id}: one page of a session's calls, oldest first, with the session's totals. */
export interface SessionPage {
  session_id: string;
  first_seen: string;
  last_seen: string;
  totals: Record<string, Num>;
  calls: SessionCall[];
  next_cursor: string | null;
}

/** A session of the list: the breakdown's metrics for it, and its first and last call of the range (epoch ms). */
export interface SessionRow {
  session_id: string;
  calls: number;
  users: number;
  total_tokens: number;
  cost_usd: number | null;
  errors: number;
  first_seen: number | null;
  last_seen: number | null;
}

export interface SessionList {
  rows: SessionRow[];
  /** Calls of the range without a session id. */
  unassigned: number;
  /** More sessions than the list holds. */
  truncated: boolean;
  /** The range has more calls than were read for first/last seen: sessions seen only in older calls have none. */
  partialTimes: boolean;
}
