import { useApi } from '../../api/hooks.js';

/** Shapes of seed 000's agent routes' answers (see /docs, tag seed-000). */

interface Head {
  agent_name: string;
  agent_version: string;
  date_range: { start_date: string; end_date: string };
}

export interface AgentMetrics extends Head {
  metrics: { total_sessions: number; total_messages: number; avg_daily_messages: number; total_users: number };
}

export interface ActivityTimeline extends Head {
  daily_sessions: { date: string; sessions: number }[];
}

export interface TokensUsage extends Head {
  daily_tokens: { date: string; prompt_tokens: number; completion_tokens: number }[];
}

export interface TotalTokens extends Head {
  total_prompt_tokens: number;
  total_completion_tokens: number;
}

export interface RecentMessages extends Head {
  messages: {
    timestamp: string;
    session_id: string | null;
    message_length: number;
    agent_name: string;
    model_name: string | null;
    message: string;
  }[];
}

export interface DetailedUsage extends Head {
  usage_logs: {
    timestamp: string;
    agent_name: string;
    total_tokens: number;
    prompt_tokens: number;
    completion_tokens: number;
    duration_seconds: number | null;
  }[];
}

export interface AgentVersion {
  name: string;
  version: string;
}

/**
 * One of seed 000's routes for an agent version over the last `days`, dates in the browser's time zone. `enabled`
 * is false until the agent is known to have calls in the period, since the routes answer those without with 404.
 */
export function useSeed<T>(
  path: string,
  agent: AgentVersion,
  days: number,
  tz: string,
  enabled: boolean,
  extra: Record<string, number> = {},
) {
  return useApi<T>(enabled ? path : null, {
    agent_name: agent.name,
    agent_version: agent.version,
    days,
    tz,
    ...extra,
  });
}

/** Seed 000 writes instants in UTC without a zone (`2024-12-05T14:30:00`); the Z makes browsers read them so. */
export const utcInstant = (timestamp: string): string =>
  /[zZ]|[+-]\d\d:\d\d$/.test(timestamp) ? timestamp : `${timestamp}Z`;
