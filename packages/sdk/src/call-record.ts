/** What the analyzer needs of one JSONL line, from SDK lines and from seed 002's format alike. */
export interface CallRecord {
  timestampMs: number;
  status: string;
  provider: string | null;
  api_type: string | null;
  model: string | null;
  operation: string | null;
  user_id: string | null;
  session_id: string | null;
  source_id: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  latency_ms: number | null;
  cost: number;
}

export type ParsedLine = { record: CallRecord; unknown: string[] } | { error: string };

const STRING_FIELDS = [
  'id',
  'timestamp',
  'end_time',
  'status',
  'provider',
  'api_provider',
  'model',
  'api_type',
  'operation',
  'endpoint',
  'method',
  'source_function',
  'user_id',
  'session_id',
  'source_id',
  'agent_name',
  'agent_version',
  'app_name',
  'environment',
  'error_type',
  'error_message',
  'cost_source',
  'price_model_id',
  'trace_id',
  'span_id',
  'parent_span_id',
  'project_id',
  'input_text',
  'output_text',
  'ingest_source',
  'ingested_at',
  'backend',
  'upstream_mode',
  'api_key_id',
  'api_key_label',
  'client_ip',
  'user_agent',
] as const;
const NUMBER_FIELDS = [
  'duration_ms',
  'latency_ms',
  'ttft_ms',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_estimate',
  'temperature',
  'max_tokens',
  'status_code',
  'message_count',
  'request_bytes',
  'response_bytes',
  'upstream_ms',
] as const;
// additional_params: seed 002 writes it as a JSON string; Tally's SDK as an object.
const OTHER_FIELDS = ['additional_params', 'metadata', 'tags', 'stream'] as const;
const KNOWN = new Set<string>([...STRING_FIELDS, ...NUMBER_FIELDS, ...OTHER_FIELDS]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first field whose value has the wrong type, or null. */
function typeError(o: Record<string, unknown>): string | null {
  for (const f of STRING_FIELDS) if (o[f] != null && typeof o[f] !== 'string') return `${f} must be a string`;
  for (const f of NUMBER_FIELDS) {
    const v = o[f];
    if (v != null && (typeof v !== 'number' || !Number.isFinite(v))) return `${f} must be a number`;
  }
  return null;
}

const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const n = (v: unknown) => (typeof v === 'number' ? v : null);

/** Checks one parsed JSON line; a line the analyzer cannot count says why. */
export function toRecord(value: unknown): ParsedLine {
  if (!isObject(value)) return { error: 'not a JSON object' };
  const bad = typeError(value);
  if (bad) return { error: bad };
  // A missing zone means UTC, as everywhere in Tally.
  const ts = typeof value.timestamp === 'string' ? value.timestamp : '';
  const zoneless = ts.includes('T') && !/(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(ts);
  const timestampMs = Date.parse(zoneless ? `${ts}Z` : ts);
  if (!Number.isFinite(timestampMs)) return { error: 'timestamp missing or not an ISO 8601 date-time' };
  const input = n(value.input_tokens) ?? 0;
  const output = n(value.output_tokens) ?? 0;
  const record: CallRecord = {
    timestampMs,
    status: s(value.status) ?? 'success',
    provider: s(value.provider) ?? s(value.api_provider),
    api_type: s(value.api_type),
    model: s(value.model),
    operation: s(value.operation),
    user_id: s(value.user_id),
    session_id: s(value.session_id),
    source_id: s(value.source_id),
    input_tokens: input,
    output_tokens: output,
    total_tokens: n(value.total_tokens) ?? input + output,
    latency_ms: n(value.latency_ms) ?? n(value.duration_ms),
    cost: n(value.cost_estimate) ?? n(value.cost_usd) ?? 0,
  };
  return { record, unknown: Object.keys(value).filter((k) => !KNOWN.has(k)) };
}
