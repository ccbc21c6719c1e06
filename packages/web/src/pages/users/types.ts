// Shapes of the per-user answers the Users page reads (see /docs for the full schemas).
import type { Num } from '../../api/types.js';

/** GET /api/v1/analytics/users/{id}: Tally's own view of one user over the range. */
export interface UserUsage {
  user_id: string;
  from: string;
  to: string;
  totals: Record<string, Num>;
  daily: { date: string; calls: number; errors: number; total_tokens: number; cost_usd: number }[];
  models: { model: string | null; calls: number; total_tokens: number; cost_usd: number | null }[];
  sessions: {
    session_id: string;
    calls: number;
    total_tokens: number;
    cost_usd: number | null;
    first_seen: string;
    last_seen: string;
  }[];
}

/** GET /api/v1/analytics/user/{user_id}: agent runs, cost and conversations per whole UTC day. */
export interface UserAgentRuns {
  user_id: string;
  period: { start: string; end: string; days: number };
  summary: { total_cost: number; total_agent_runs: number; avg_duration_ms: number; success_rate: number };
  daily_costs: { date: string; cost: number; run_count: number }[];
  agent_runs_by_outcome: Record<string, number>;
  conversation_stats: { date: string; count: number; avg_messages: number }[];
}
