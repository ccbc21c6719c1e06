import { v7 as uuidv7 } from 'uuid';
import { ajv } from './ajv.js';
import {
  CALL_EVENT_ALIASES,
  CallEventInputSchema,
  type CallEvent,
  type CallStatus,
  type IngestSource,
  type CallEventInput,
} from './call-event.js';
import { fromAjvErrors, type FieldError } from './field-errors.js';
import { LIMITS } from './limits.js';
import { checkMetadata, isPlainObject } from './metadata-check.js';
import type { PriceBook } from './pricing.js';
import { applyCapturePolicy, type CapturePolicy } from './redaction.js';
import { parseTimestamp } from './time.js';

export interface PrepareContext {
  projectId: string;
  /** Server clock, epoch ms; also the `ingested_at` of the record. */
  now: number;
  ingestSource: IngestSource;
  capturePolicy: CapturePolicy;
  priceBook: PriceBook;
}

export type Prepared<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const validateShape = ajv.compile(CallEventInputSchema);
const KNOWN = new Set(Object.keys(CallEventInputSchema.properties));
const ALIASES = Object.entries(CALL_EVENT_ALIASES);
/** Decided by the server; a body that carries them is not trusted with them. */
const SERVER_FIELDS = new Set(['project_id', 'cost_source', 'price_model_id', 'ingest_source', 'ingested_at']);

/**
 * Validates one untrusted CallEvent and turns it into the stored record: aliases resolved, unknown fields moved
 * into metadata, defaults derived (id, status, total_tokens, duration), cost priced, content captured as the
 * project's policy allows. Returns every problem at once, each naming its field.
 */
export function prepareCallEvent(raw: unknown, ctx: PrepareContext): Prepared<CallEvent> {
  if (!isPlainObject(raw)) return { ok: false, errors: [{ path: '(event)', message: 'must be a JSON object' }] };
  const input = resolveAliases(raw);
  const errors: FieldError[] = validateShape(input) ? [] : fromAjvErrors(validateShape.errors ?? []);
  const e = input as CallEventInput;
  const failed = new Set(errors.map((x) => x.path));

  if (e.timestamp === undefined) errors.push({ path: 'timestamp', message: 'is required' });
  if (e.model === undefined && e.api_type === undefined) {
    errors.push({ path: 'model', message: 'is required (or api_type for calls that have no model)' });
  }
  const start =
    failed.has('timestamp') || e.timestamp === undefined ? null : checkTime(e.timestamp, 'timestamp', ctx.now, errors);
  const end =
    failed.has('end_time') || e.end_time === undefined ? null : checkTime(e.end_time, 'end_time', ctx.now, errors);
  if (start !== null && end !== null && end < start)
    errors.push({ path: 'end_time', message: 'must not be before timestamp' });
  if (isPlainObject(e.metadata)) checkMetadata(e.metadata, 'metadata', errors);
  if (errors.length > 0 || start === null) return { ok: false, errors };

  return { ok: true, value: buildEvent(input, e, start, end, ctx) };
}

function resolveAliases(raw: Record<string, unknown>): Record<string, unknown> {
  let out = raw;
  for (const [alias, name] of ALIASES) {
    if (raw[alias] === undefined) continue;
    if (out === raw) out = { ...raw };
    if (out[name] === undefined) out[name] = raw[alias];
    delete out[alias];
  }
  return out;
}

function checkTime(value: unknown, path: string, now: number, errors: FieldError[]): number | null {
  const ms = parseTimestamp(value);
  if (ms === null) {
    errors.push({
      path,
      message: 'must be an ISO 8601 date-time or Unix epoch seconds/milliseconds; it does not parse',
    });
    return null;
  }
  if (ms > now + LIMITS.futureSkewMs) {
    errors.push({ path, message: `lies more than a day in the future (${new Date(ms).toISOString()})` });
    return null;
  }
  return ms;
}

function buildEvent(
  input: Record<string, unknown>,
  e: CallEventInput,
  start: number,
  end: number | null,
  ctx: PrepareContext,
): CallEvent {
  const metadata: Record<string, unknown> = isPlainObject(e.metadata) ? { ...e.metadata } : {};
  for (const key in input) if (!KNOWN.has(key) && !SERVER_FIELDS.has(key)) metadata[key] = input[key];

  const inputTokens = e.input_tokens ?? null;
  const outputTokens = e.output_tokens ?? null;
  const total =
    e.total_tokens ?? (inputTokens !== null || outputTokens !== null ? (inputTokens ?? 0) + (outputTokens ?? 0) : null);
  const status: CallStatus =
    e.status ?? (e.error_message !== undefined || e.error_type !== undefined ? 'error' : 'success');
  const cost = ctx.priceBook.cost({
    provider: e.provider ?? null,
    model: e.model ?? null,
    timestamp: start,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_tokens: e.cache_read_tokens ?? null,
    cache_write_tokens: e.cache_write_tokens ?? null,
    reasoning_tokens: e.reasoning_tokens ?? null,
    cost_usd: e.cost_usd ?? null,
  });

  return {
    id: e.id ?? uuidv7(),
    project_id: ctx.projectId,
    trace_id: e.trace_id ?? null,
    span_id: e.span_id ?? null,
    parent_span_id: e.parent_span_id ?? null,
    timestamp: start,
    end_time: end ?? (e.duration_ms !== undefined ? start + e.duration_ms : null),
    duration_ms: e.duration_ms ?? (end !== null ? end - start : null),
    ttft_ms: e.ttft_ms ?? null,
    provider: e.provider ?? null,
    model: e.model ?? null,
    api_type: e.api_type ?? null,
    operation: e.operation ?? null,
    endpoint: e.endpoint ?? null,
    method: e.method ?? null,
    stream: e.stream ?? null,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: total,
    cache_read_tokens: e.cache_read_tokens ?? null,
    cache_write_tokens: e.cache_write_tokens ?? null,
    reasoning_tokens: e.reasoning_tokens ?? null,
    cost_usd: cost.cost_usd,
    cost_source: cost.cost_source,
    price_model_id: cost.price_model_id,
    status,
    status_code: e.status_code ?? null,
    error_type: e.error_type ?? null,
    error_message: e.error_message ?? null,
    user_id: e.user_id ?? null,
    session_id: e.session_id ?? null,
    agent_name: e.agent_name ?? null,
    agent_version: e.agent_version ?? null,
    app_name: e.app_name ?? null,
    source_id: e.source_id ?? null,
    source_function: e.source_function ?? null,
    environment: e.environment ?? null,
    tags: e.tags ?? [],
    temperature: e.temperature ?? null,
    max_tokens: e.max_tokens ?? null,
    message_count: e.message_count ?? null,
    request_bytes: e.request_bytes ?? null,
    response_bytes: e.response_bytes ?? null,
    upstream_ms: e.upstream_ms ?? null,
    api_key_id: e.api_key_id ?? null,
    api_key_label: e.api_key_label ?? null,
    client_ip: e.client_ip ?? null,
    user_agent: e.user_agent ?? null,
    backend: e.backend ?? null,
    upstream_mode: e.upstream_mode ?? null,
    input_text: applyCapturePolicy(ctx.capturePolicy, e.input_text),
    output_text: applyCapturePolicy(ctx.capturePolicy, e.output_text),
    ingest_source: ctx.ingestSource,
    ingested_at: ctx.now,
    metadata,
  };
}
