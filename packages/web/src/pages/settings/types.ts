// Shapes of the admin API's answers the Settings page reads (projects, keys, prices, status); see /docs.

export type CapturePolicy = 'none' | 'redacted' | 'full';
export type KeyScope = 'ingest' | 'read' | 'manage';

export interface ProjectDetails {
  id: string;
  name: string;
  description: string | null;
  capture_policy: CapturePolicy;
  /** Epoch milliseconds. */
  created_at: number;
  retention_days: number | null;
  max_events: number | null;
}

export interface ApiKey {
  id: string;
  project_id: string;
  /** The label given at creation. */
  name: string | null;
  scope: KeyScope;
  /** The first characters of the key, to recognise it; never the key. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  /** Not every server reports it; shown when given. */
  last_used_at?: number | null;
}

/** The answer to creating a key: the only time the key itself is sent. */
export interface CreatedKey extends ApiKey {
  key: string;
}

export interface PriceOverride {
  id: string;
  project_id: string;
  model: string;
  provider: string | null;
  effective_from: string;
  input_per_mtok: number;
  output_per_mtok: number;
  cache_read_per_mtok: number | null;
  cache_write_per_mtok: number | null;
  created_at: number;
}

export interface ServerStatus {
  status: string;
  version: string;
  uptime_seconds: number;
  store: { kind: string };
  auth: { mode: 'open' | 'protected' };
  ingest: { pending_records: number };
  query_cache: { hits: number; misses: number; ttl_seconds: number };
  memory: { rss_bytes: number; heap_used_bytes: number; external_bytes: number };
}

export interface Health {
  status: 'healthy' | 'unhealthy';
  timestamp: string;
  store: string;
  error?: string;
}

/** /analytics/stats: what the selected project holds. */
export interface ProjectStats {
  total_events: number;
  backend_type: string;
  ttl_seconds: number | null;
  max_events: number | null;
}

export const POLICIES: { value: CapturePolicy; label: string; means: string }[] = [
  { value: 'none', label: 'None', means: 'Keeps no prompt or completion text: only usage, cost and timing.' },
  {
    value: 'redacted',
    label: 'Redacted',
    means: 'Keeps the text with API keys, e-mail addresses, card and phone numbers replaced by markers.',
  },
  { value: 'full', label: 'Full', means: 'Keeps prompts and completions exactly as sent.' },
];

export const SCOPES: { value: KeyScope; means: string }[] = [
  { value: 'ingest', means: 'Sends calls only: for SDKs, the recording proxy and OpenTelemetry exporters.' },
  { value: 'read', means: "Reads this project's analytics and sends calls: for the dashboard and scripts." },
  { value: 'manage', means: "Everything a read key does, and deleting this project's data." },
];
