/**
 * A stored call as the events routes answer it: every field of the data model, null when unknown (`tags` an empty
 * list, `metadata` an empty object). Times are epoch milliseconds.
 */
export interface StoredCall {
  id: string;
  timestamp: number | string;
  provider: string | null;
  model: string;
  status: string;
  total_tokens: number | null;
  cost_usd: number | null;
  duration_ms: number | null;
  user_id: string | null;
  session_id: string | null;
  agent_name: string | null;
  agent_version: string | null;
  error_type: string | null;
  error_message: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  [field: string]: unknown;
}

export interface StoredCallPage {
  events: StoredCall[];
  next_cursor: string | null;
}
