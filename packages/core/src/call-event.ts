import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

const short = (description: string) => Type.String({ maxLength: LIMITS.shortString, description });
const label = (description: string) => Type.String({ maxLength: LIMITS.labelString, description });
const tokens = (description: string) => Type.Integer({ minimum: 0, maximum: LIMITS.maxTokens, description });
const nonNegative = (description: string) => Type.Number({ minimum: 0, description });
const timestamp = (description: string) =>
  Type.Union([Type.String({ maxLength: 40 }), Type.Number({ minimum: 0 })], { description });

export const API_TYPES = [
  'generative',
  'embedding',
  'speech_to_text',
  'translation',
  'ocr',
  'search',
  'image',
  'other',
] as const;
export const CALL_STATUSES = ['success', 'error', 'timeout', 'cancelled'] as const;
export const INGEST_SOURCES = ['api', 'sdk', 'otlp', 'proxy', 'import', 'litellm'] as const;

export type ApiType = (typeof API_TYPES)[number];
export type CallStatus = (typeof CALL_STATUSES)[number];
export type IngestSource = (typeof INGEST_SOURCES)[number];
export type CostSource = 'reported' | 'computed' | 'unpriced';

/**
 * A CallEvent as a client sends it (snake_case). Unknown fields are not errors: they are moved into `metadata`.
 * `project_id`, `cost_source`, `ingested_at` and `ingest_source` are decided by the server and ignored here.
 */
export const CallEventInputSchema = Type.Partial(
  Type.Object({
    id: Type.String({ minLength: 1, maxLength: LIMITS.idLength, description: 'Idempotency key; UUIDv7 when absent' }),
    trace_id: short('Trace id (OpenTelemetry or your own)'),
    span_id: short('Span id'),
    parent_span_id: short('Parent span id'),
    timestamp: timestamp('Start of the call: ISO 8601, or Unix epoch seconds/milliseconds'),
    end_time: timestamp('End of the call'),
    duration_ms: nonNegative('Duration in milliseconds (derived from end_time when absent)'),
    ttft_ms: nonNegative('Time to first token, milliseconds'),
    provider: short('openai, anthropic, google, …'),
    model: short('Model name as the provider knows it'),
    api_type: Type.Union(
      API_TYPES.map((t) => Type.Literal(t)),
      { description: 'Kind of AI API' },
    ),
    operation: short('What the call was for: chat_answer, summarization, …'),
    endpoint: label('API path that was called'),
    method: Type.String({ maxLength: 16 }),
    stream: Type.Boolean(),
    input_tokens: tokens('Total prompt tokens, cached included'),
    output_tokens: tokens('Output tokens, reasoning included'),
    total_tokens: tokens('input + output when absent'),
    cache_read_tokens: tokens('Prompt tokens read from cache'),
    cache_write_tokens: tokens('Prompt tokens written to cache'),
    reasoning_tokens: tokens('Reasoning tokens (part of output)'),
    cost_usd: nonNegative('Cost as reported by the caller; computed from the price book when absent'),
    status: Type.Union(
      CALL_STATUSES.map((s) => Type.Literal(s)),
      { description: 'error when absent and error_type/error_message is set, else success' },
    ),
    status_code: Type.Integer({ minimum: 0, maximum: 999 }),
    error_type: short('Error class or code'),
    error_message: Type.String({ maxLength: LIMITS.errorMessage }),
    user_id: short('End user'),
    session_id: short('Session or conversation'),
    agent_name: short('Agent name'),
    agent_version: short('Agent version'),
    app_name: short('Application or service'),
    source_id: short('Document or source being processed'),
    source_function: short('Function that made the call'),
    environment: short('production, staging, …'),
    tags: Type.Array(Type.String({ maxLength: LIMITS.tagLength }), { maxItems: LIMITS.tagCount }),
    temperature: Type.Number({ minimum: 0, maximum: 100 }),
    max_tokens: tokens('Requested output limit'),
    message_count: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    request_bytes: Type.Integer({ minimum: 0 }),
    response_bytes: Type.Integer({ minimum: 0 }),
    upstream_ms: nonNegative('Time spent upstream (gateways)'),
    api_key_id: short('Hash of the caller key (never the key)'),
    api_key_label: short('Label of the caller key'),
    client_ip: Type.String({ maxLength: 64 }),
    user_agent: label('Client user agent'),
    backend: short('Upstream backend'),
    upstream_mode: short('chat, responses, …'),
    input_text: Type.String({
      maxLength: LIMITS.contentText,
      description: 'Prompt (kept as the capture policy allows)',
    }),
    output_text: Type.String({
      maxLength: LIMITS.contentText,
      description: 'Completion (as the capture policy allows)',
    }),
    metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form JSON object' }),
  }),
  { additionalProperties: true, description: 'One LLM call. Required: timestamp, and model or api_type.' },
);

export type CallEventInput = Static<typeof CallEventInputSchema>;

/** A validated, normalized CallEvent as stored: every field present, null when unknown, times in epoch ms. */
export interface CallEvent {
  id: string;
  project_id: string;
  trace_id: string | null;
  span_id: string | null;
  parent_span_id: string | null;
  timestamp: number;
  end_time: number | null;
  duration_ms: number | null;
  ttft_ms: number | null;
  provider: string | null;
  model: string | null;
  api_type: ApiType | null;
  operation: string | null;
  endpoint: string | null;
  method: string | null;
  stream: boolean | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  cost_source: CostSource;
  price_model_id: string | null;
  status: CallStatus;
  status_code: number | null;
  error_type: string | null;
  error_message: string | null;
  user_id: string | null;
  session_id: string | null;
  agent_name: string | null;
  agent_version: string | null;
  app_name: string | null;
  source_id: string | null;
  source_function: string | null;
  environment: string | null;
  tags: string[];
  temperature: number | null;
  max_tokens: number | null;
  message_count: number | null;
  request_bytes: number | null;
  response_bytes: number | null;
  upstream_ms: number | null;
  api_key_id: string | null;
  api_key_label: string | null;
  client_ip: string | null;
  user_agent: string | null;
  backend: string | null;
  upstream_mode: string | null;
  input_text: string | null;
  output_text: string | null;
  ingest_source: IngestSource;
  ingested_at: number;
  metadata: Record<string, unknown>;
}

/** Every CallEvent column in storage order; backends derive their schemas from it. */
export const CALL_EVENT_FIELDS = Object.freeze([
  'id',
  'project_id',
  'trace_id',
  'span_id',
  'parent_span_id',
  'timestamp',
  'end_time',
  'duration_ms',
  'ttft_ms',
  'provider',
  'model',
  'api_type',
  'operation',
  'endpoint',
  'method',
  'stream',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'cost_source',
  'price_model_id',
  'status',
  'status_code',
  'error_type',
  'error_message',
  'user_id',
  'session_id',
  'agent_name',
  'agent_version',
  'app_name',
  'source_id',
  'source_function',
  'environment',
  'tags',
  'temperature',
  'max_tokens',
  'message_count',
  'request_bytes',
  'response_bytes',
  'upstream_ms',
  'api_key_id',
  'api_key_label',
  'client_ip',
  'user_agent',
  'backend',
  'upstream_mode',
  'input_text',
  'output_text',
  'ingest_source',
  'ingested_at',
  'metadata',
] as const satisfies readonly (keyof CallEvent)[]);

/**
 * Names that other systems use for our fields (seed 002's tracker writes `api_provider`, `latency_ms`,
 * `cost_estimate`). They are accepted on input and stored under Tally's name.
 */
export const CALL_EVENT_ALIASES: Readonly<Record<string, keyof CallEventInput>> = Object.freeze({
  api_provider: 'provider',
  latency_ms: 'duration_ms',
  cost_estimate: 'cost_usd',
  prompt_tokens: 'input_tokens',
  completion_tokens: 'output_tokens',
  time_to_first_token_ms: 'ttft_ms',
});
