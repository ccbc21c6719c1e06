import type { AgentRun } from '../agent-run.js';
import type { CallEvent } from '../call-event.js';
import { LIMITS } from '../limits.js';
import { prepareCallEvent, type PrepareContext } from '../prepare-call-event.js';
import type { ExportTraceServiceRequest, Span } from './otlp-json.js';
import { attributes, hexId, nanosToMs, type AttributeValue } from './otlp-values.js';

/**
 * OpenTelemetry spans to Tally records (shared/reference/formats.md §2–4). Inference spans (`chat`,
 * `text_completion`, `generate_content`, `embeddings`) become calls; agent spans (`invoke_agent …`, pydantic-ai's
 * older `agent run`) become agent runs; every other span is accepted and ignored.
 */

export interface TraceMapping {
  calls: CallEvent[];
  runs: AgentRun[];
  /** Spans in the request. */
  spans: number;
  /** Spans that are not about LLMs: accepted, not stored. */
  ignored: number;
  /** Spans that could not be used, and why (the first few reasons). */
  rejected: number;
  errors: string[];
}

type Attrs = Record<string, AttributeValue>;

const INFERENCE_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
const MAX_REASONS = 5;

/** Provider names of the conventions (and older emitters) as the price book knows them. */
const PROVIDERS: Readonly<Record<string, string>> = {
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  vertex_ai: 'google',
  gemini: 'google',
  'az.ai.openai': 'azure',
  'azure.ai.openai': 'azure',
  'az.ai.inference': 'azure',
  'azure.ai.inference': 'azure',
  'aws.bedrock': 'aws',
  mistral_ai: 'mistral',
  x_ai: 'x-ai',
  xai: 'x-ai',
  'ibm.watsonx.ai': 'ibm',
};

/** Emitters that name the API after the vendor (`openai.chat`, `anthropic.messages`): the vendor is the provider. */
const VENDOR_PREFIXES = new Set(['openai', 'anthropic', 'google', 'mistral', 'cohere', 'groq', 'deepseek', 'xai']);

function providerOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const p = raw.toLowerCase();
  const known = PROVIDERS[p];
  if (known) return known;
  const head = p.split('.')[0]!;
  if (head !== p && VENDOR_PREFIXES.has(head)) return PROVIDERS[head] ?? head;
  return p;
}

/** Attributes that become call or run fields (everything else goes to metadata). */
const MAPPED = new Set([
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.system',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'gen_ai.request.temperature',
  'gen_ai.request.max_tokens',
  'gen_ai.request.stream',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.prompt_tokens',
  'gen_ai.usage.completion_tokens',
  'gen_ai.usage.total_tokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'gen_ai.response.time_to_first_chunk',
  'gen_ai.server.time_to_first_token',
  'gen_ai.conversation.id',
  'gen_ai.agent.name',
  'gen_ai.agent.id',
  'gen_ai.agent.version',
  'agent_name',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.prompt',
  'gen_ai.completion',
  'operation.cost',
  'gen_ai.usage.cost',
  'error.type',
  'user.id',
  'enduser.id',
  'session.id',
  'tally.tags',
  'logfire.tags',
  'ai.response.msToFirstChunk',
  'ai.telemetry.metadata.userId',
  'ai.telemetry.metadata.sessionId',
  'traceloop.association.properties.user_id',
  'traceloop.association.properties.session_id',
  'traceloop.entity.name',
]);

function str(v: AttributeValue | undefined): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** An identifier field: text, cut to the stored limit rather than losing the span over it. */
function label(v: AttributeValue | undefined): string | undefined {
  const s = str(v);
  return s === undefined ? undefined : s.slice(0, LIMITS.shortString);
}

function count(v: AttributeValue | undefined): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= LIMITS.maxTokens ? n : undefined;
}

function amount(v: AttributeValue | undefined): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function first<T>(...values: (T | undefined)[]): T | undefined {
  for (const v of values) if (v !== undefined) return v;
  return undefined;
}

/** Message content as text: strings as they are, structured messages as JSON. */
function content(v: AttributeValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.slice(0, LIMITS.contentText);
}

function tagsOf(a: Attrs): string[] | undefined {
  const v = first(a['tally.tags'], a['logfire.tags']);
  if (!Array.isArray(v)) return undefined;
  const tags = v.filter((t): t is string => typeof t === 'string' && t !== '').map((t) => t.slice(0, LIMITS.tagLength));
  return tags.length > 0 ? tags.slice(0, LIMITS.tagCount) : undefined;
}

export type SpanKind = 'inference' | 'agent' | 'other';

/** What a span is to Tally: a model call, an agent run, or neither. */
export function spanKind(name: string, a: Attrs): SpanKind {
  const op = str(a['gen_ai.operation.name']);
  if (op !== undefined) {
    if (INFERENCE_OPERATIONS.has(op)) return 'inference';
    return op === 'invoke_agent' ? 'agent' : 'other';
  }
  if (name === 'agent run' || name.startsWith('invoke_agent')) return 'agent';
  if (str(a['traceloop.span.kind']) === 'agent') return 'agent'; // OpenLLMetry's @agent
  // Emitters older than gen_ai.operation.name: a provider and a model on a span mean a model call.
  const provider = first(a['gen_ai.provider.name'], a['gen_ai.system']);
  const model = first(a['gen_ai.request.model'], a['gen_ai.response.model']);
  return provider !== undefined && model !== undefined ? 'inference' : 'other';
}

interface Failure {
  error_type?: string;
  error_message?: string;
}

/** ERROR status or an `exception` event: the span failed. Returns undefined when it did not. */
function failureOf(span: Span, a: Attrs): Failure | undefined {
  const exception = Array.isArray(span.events) ? span.events.find((e) => e?.name === 'exception') : undefined;
  const ex = exception ? attributes(exception.attributes) : {};
  if (span.status?.code !== 2 && !exception) return undefined;
  const message = first(str(span.status?.message), str(ex['exception.message']));
  return {
    error_type: label(first(a['error.type'], ex['exception.type'])) ?? 'error',
    error_message: message?.slice(0, LIMITS.errorMessage),
  };
}

/**
 * Unmapped attributes, kept as metadata within its limits: nested values deeper than the limit become JSON text,
 * and when the whole exceeds the size limit the largest values are left out (their keys listed in
 * `tally.dropped_attributes`) — the span is never lost over its metadata.
 */
function metadataOf(a: Attrs, extra: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sizes: [string, number][] = [];
  let total = 2;
  for (const [key, value] of Object.entries(a)) {
    if (MAPPED.has(key) || value === null) continue;
    if (sizes.length >= LIMITS.metadataKeys - 8) break;
    const kept = value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
    out[key] = kept;
    const size = key.length + 4 + (typeof kept === 'string' ? kept.length + 2 : String(kept).length);
    sizes.push([key, size]);
    total += size;
  }
  for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== null) out[key] = value;
  const budget = LIMITS.metadataBytes - 4096;
  if (total > budget) {
    const dropped: string[] = [];
    for (const [key, size] of sizes.sort((x, y) => y[1] - x[1])) {
      if (total <= budget) break;
      delete out[key];
      dropped.push(key);
      total -= size;
    }
    out['tally.dropped_attributes'] = dropped.slice(0, 32);
  }
  return out;
}

interface SpanContext {
  resource: Attrs;
  scope: string | undefined;
}

function who(a: Attrs, r: Attrs) {
  return {
    user_id: label(
      first(
        a['user.id'],
        a['enduser.id'],
        a['ai.telemetry.metadata.userId'], // the Vercel AI SDK's telemetry metadata
        a['traceloop.association.properties.user_id'], // OpenLLMetry's association properties
        r['user.id'],
        r['enduser.id'],
      ),
    ),
    session_id: label(
      first(
        a['gen_ai.conversation.id'],
        a['session.id'],
        a['ai.telemetry.metadata.sessionId'],
        a['traceloop.association.properties.session_id'],
        r['session.id'],
      ),
    ),
    agent_name: label(first(a['gen_ai.agent.name'], a['agent_name'])),
    agent_version: label(a['gen_ai.agent.version']),
    app_name: label(r['service.name']),
    environment: label(first(r['deployment.environment.name'], r['deployment.environment'])),
  };
}

function toCall(span: Span, a: Attrs, c: SpanContext, ids: Ids, ctx: PrepareContext) {
  const op = str(a['gen_ai.operation.name']);
  const start = nanosToMs(span.startTimeUnixNano)!;
  const end = nanosToMs(span.endTimeUnixNano);
  const ttftSeconds = amount(first(a['gen_ai.response.time_to_first_chunk'], a['gen_ai.server.time_to_first_token']));
  const ttftMs = ttftSeconds !== undefined ? ttftSeconds * 1000 : amount(a['ai.response.msToFirstChunk']);
  const temperature = amount(a['gen_ai.request.temperature']);
  const provider = providerOf(str(first(a['gen_ai.provider.name'], a['gen_ai.system'])));
  const failure = failureOf(span, a);
  const stream = a['gen_ai.request.stream'];
  const event = {
    id: ids.spanId,
    trace_id: ids.traceId,
    span_id: ids.spanId,
    parent_span_id: ids.parentSpanId,
    timestamp: start,
    end_time: end !== null && end >= start ? end : undefined,
    duration_ms: end !== null && end >= start ? end - start : undefined,
    ttft_ms: ttftMs,
    provider: label(provider),
    model: label(first(a['gen_ai.response.model'], a['gen_ai.request.model'])),
    api_type: op === 'embeddings' ? 'embedding' : 'generative',
    operation: op ?? 'chat',
    stream: typeof stream === 'boolean' ? stream : undefined,
    input_tokens: count(first(a['gen_ai.usage.input_tokens'], a['gen_ai.usage.prompt_tokens'])),
    output_tokens: count(first(a['gen_ai.usage.output_tokens'], a['gen_ai.usage.completion_tokens'])),
    total_tokens: count(a['gen_ai.usage.total_tokens']),
    cache_read_tokens: count(
      first(
        a['gen_ai.usage.cache_read.input_tokens'],
        a['gen_ai.usage.cache_read_input_tokens'],
        a['gen_ai.usage.details.cache_read_tokens'],
      ),
    ),
    cache_write_tokens: count(
      first(
        a['gen_ai.usage.cache_creation.input_tokens'],
        a['gen_ai.usage.cache_write.input_tokens'],
        a['gen_ai.usage.cache_creation_input_tokens'],
        a['gen_ai.usage.details.cache_write_tokens'],
      ),
    ),
    reasoning_tokens: count(
      first(
        a['gen_ai.usage.reasoning.output_tokens'],
        a['gen_ai.usage.reasoning_tokens'],
        a['gen_ai.usage.details.reasoning_tokens'],
      ),
    ),
    cost_usd: amount(first(a['operation.cost'], a['gen_ai.usage.cost'])),
    status: failure ? 'error' : 'success',
    ...failure,
    ...who(a, c.resource),
    temperature: temperature !== undefined && temperature <= 100 ? temperature : undefined,
    max_tokens: count(a['gen_ai.request.max_tokens']),
    tags: tagsOf(a),
    input_text: content(first(a['gen_ai.input.messages'], a['gen_ai.prompt'])),
    output_text: content(first(a['gen_ai.output.messages'], a['gen_ai.completion'])),
    metadata: metadataOf(a, {
      'otel.span.name': str(span.name) ?? null,
      'otel.scope.name': c.scope ?? null,
      'gen_ai.agent.id': label(a['gen_ai.agent.id']) ?? null,
    }),
  };
  return prepareCallEvent(event, ctx);
}

function toRun(span: Span, a: Attrs, c: SpanContext, ids: Ids, ctx: PrepareContext): AgentRun {
  const start = nanosToMs(span.startTimeUnixNano)!;
  const end = nanosToMs(span.endTimeUnixNano);
  const failure = failureOf(span, a);
  const nameFromSpan = str(span.name)?.startsWith('invoke_agent ') ? str(span.name)!.slice(13) : undefined;
  const w = who(a, c.resource);
  const usage = (current: string, legacy: string) =>
    count(first(a[`gen_ai.aggregated_usage.${current}`], a[`gen_ai.usage.${current}`], a[`gen_ai.usage.${legacy}`]));
  return {
    id: ids.spanId,
    project_id: ctx.projectId,
    trace_id: ids.traceId,
    parent_span_id: ids.parentSpanId ?? null,
    timestamp: Math.round(start),
    end_time: end !== null && end >= start ? Math.round(end) : null,
    duration_ms: end !== null && end >= start ? end - start : null,
    agent_name: w.agent_name ?? label(first(nameFromSpan, a['traceloop.entity.name'])) ?? null,
    agent_id: label(a['gen_ai.agent.id']) ?? null,
    agent_version: w.agent_version ?? null,
    session_id: w.session_id ?? null,
    user_id: w.user_id ?? null,
    app_name: w.app_name ?? null,
    environment: w.environment ?? null,
    status: failure ? 'error' : 'success',
    error_type: failure?.error_type ?? null,
    error_message: failure?.error_message ?? null,
    input_tokens: usage('input_tokens', 'prompt_tokens') ?? null,
    output_tokens: usage('output_tokens', 'completion_tokens') ?? null,
    cost_usd: amount(a['operation.cost']) ?? null,
    ingest_source: ctx.ingestSource,
    ingested_at: ctx.now,
    metadata: metadataOf(a, { 'otel.span.name': str(span.name) ?? null, 'otel.scope.name': c.scope ?? null }),
  };
}

interface Ids {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
}

/** Why a span cannot be used before its kind is even considered; undefined when it can. */
function unusable(span: Span, now: number): string | undefined {
  if (hexId(span.traceId) === null) return 'has no valid traceId';
  if (hexId(span.spanId) === null) return 'has no valid spanId';
  const start = nanosToMs(span.startTimeUnixNano);
  if (start === null) return 'has no startTimeUnixNano';
  if (start > now + LIMITS.futureSkewMs) return 'starts more than a day in the future';
  return undefined;
}

/**
 * Maps one export request. A span's result depends only on the span and its resource, never on other spans, so
 * the order and grouping in which a trace's spans arrive does not matter; linking calls to the agent runs above
 * them is the store's job.
 */
export function mapTraces(req: ExportTraceServiceRequest, ctx: PrepareContext): TraceMapping {
  const out: TraceMapping = { calls: [], runs: [], spans: 0, ignored: 0, rejected: 0, errors: [] };
  const reject = (span: Span, why: string) => {
    out.rejected++;
    if (out.errors.length < MAX_REASONS)
      out.errors.push(`span ${String(span.spanId ?? '?')} (${String(span.name ?? '')}): ${why}`);
  };
  for (const rs of Array.isArray(req?.resourceSpans) ? req.resourceSpans : []) {
    const resource = attributes(rs?.resource?.attributes);
    for (const ss of Array.isArray(rs?.scopeSpans) ? rs.scopeSpans : []) {
      const c: SpanContext = { resource, scope: str(ss?.scope?.name) };
      for (const span of Array.isArray(ss?.spans) ? ss.spans : []) {
        out.spans++;
        if (span == null || typeof span !== 'object') {
          reject({}, 'is not an object');
          continue;
        }
        const a = attributes(span.attributes);
        const kind = spanKind(str(span.name) ?? '', a);
        if (kind === 'other') {
          out.ignored++;
          continue;
        }
        const why = unusable(span, ctx.now);
        if (why) {
          reject(span, why);
          continue;
        }
        const ids: Ids = {
          traceId: hexId(span.traceId)!,
          spanId: hexId(span.spanId)!,
          parentSpanId: hexId(span.parentSpanId) ?? undefined,
        };
        if (kind === 'agent') {
          out.runs.push(toRun(span, a, c, ids, ctx));
          continue;
        }
        const call = toCall(span, a, c, ids, ctx);
        if (call.ok) out.calls.push(call.value);
        else reject(span, call.errors.map((e) => `${e.path} ${e.message}`).join('; '));
      }
    }
  }
  return out;
}
