import { createHash } from 'node:crypto';
import {
  LIMITS,
  isRecord,
  normalizeAnthropicUsage,
  normalizeOpenAIChatUsage,
  normalizeOpenAIResponsesUsage,
  tokenCount,
  type ApiType,
  type TokenUsage,
} from '@tally/core';
import type { LiteLLMSpendRow } from '@tally/storage';
import type { WireEvent } from '../import/import-mapping.js';
import type { UpstreamMode } from '../proxy/proxy-endpoints.js';
import { promptText, readRequest } from '../proxy/request-info.js';

/**
 * One row of LiteLLM's `"LiteLLM_SpendLogs"` → one Tally call in wire form (what `POST /api/v1/ingest/llm/bulk`
 * takes). The server validates and prices it as any other call; LiteLLM's `spend` arrives as a reported cost.
 */

export type MappedRow = { ok: true; event: WireEvent } | { ok: false; reason: string };

type Obj = Record<string, unknown>;

interface CallKind {
  operation: string;
  endpoint: string | null;
  apiType: ApiType;
  /** The request shape, to read the prompt and parameters from the stored request body. */
  mode: UpstreamMode | null;
}

const kind = (operation: string, endpoint: string | null, apiType: ApiType, mode: UpstreamMode | null = null) => ({
  operation,
  endpoint,
  apiType,
  mode,
});

/** LiteLLM's call types, by their synchronous names; the async ones (`acompletion`, …) add a leading `a`. */
const CALL_TYPES: Readonly<Record<string, CallKind>> = {
  completion: kind('chat', '/v1/chat/completions', 'generative', 'chat'),
  text_completion: kind('text_completion', '/v1/completions', 'generative', 'completions'),
  embedding: kind('embeddings', '/v1/embeddings', 'embedding', 'embeddings'),
  anthropic_messages: kind('messages', '/v1/messages', 'generative', 'messages'),
  responses: kind('responses', '/v1/responses', 'generative', 'responses'),
  generate_content: kind('generate_content', null, 'generative'),
  image_generation: kind('image_generation', '/v1/images/generations', 'image'),
  image_edit: kind('image_edit', '/v1/images/edits', 'image'),
  transcription: kind('transcription', '/v1/audio/transcriptions', 'speech_to_text'),
  speech: kind('speech', '/v1/audio/speech', 'other'),
  rerank: kind('rerank', '/v1/rerank', 'other'),
  moderation: kind('moderation', '/v1/moderations', 'other'),
  ocr: kind('ocr', '/v1/ocr', 'ocr'),
  search: kind('search', '/v1/search', 'search'),
  pass_through_endpoint: kind('pass_through', null, 'other'),
  call_mcp_tool: kind('mcp_tool', null, 'other'),
};

/** What a call type stands for; null for one Tally does not know (its name is kept as the operation). */
export function callKind(callType: string): CallKind | null {
  return CALL_TYPES[callType] ?? (callType.startsWith('a') ? (CALL_TYPES[callType.slice(1)] ?? null) : null);
}

/** The agent fields LiteLLM's users send as request metadata, and where they go in Tally. */
const AGENT_FIELDS = ['agent_name', 'agent_version', 'agent_session_id', 'agent_user_id', 'agent_app_name'] as const;
type AgentFields = Partial<Record<(typeof AGENT_FIELDS)[number], string>>;

/** Client metadata copied into the call's metadata: this many keys at most, scalars only. */
const EXTRA_METADATA_KEYS = 32;

/**
 * Maps one spend-log row. Rows LiteLLM wrote always map; a row that cannot (no request_id, a start time that does
 * not parse) comes back with the reason.
 *
 * @example mapSpendLogRow({ request_id: 'chatcmpl-1', startTime: '2024-12-05T14:30:00.000Z', model: 'gpt-4o', … })
 *   // → { ok: true, event: { id: 'chatcmpl-1', timestamp: '2024-12-05T14:30:00.000Z', model: 'gpt-4o', … } }
 */
export function mapSpendLogRow(row: LiteLLMSpendRow): MappedRow {
  const requestId = text(row.request_id);
  if (requestId === null) return { ok: false, reason: 'it has no request_id' };
  const start = Date.parse(row.startTime);
  if (!Number.isFinite(start)) return { ok: false, reason: `its startTime does not parse (${String(row.startTime)})` };

  const meta = jsonObject(row.metadata);
  const request = jsonObject(row.proxy_server_request);
  const callType = text(row.call_type);
  const call = callType === null ? null : callKind(callType);
  const agent = agentFields(meta, request);
  const event: WireEvent = {
    id: requestId.length <= LIMITS.idLength ? requestId : longId(requestId),
    timestamp: new Date(start).toISOString(),
    ...timing(row, start),
    provider: short(row.custom_llm_provider),
    model: short(row.model) ?? short(row.model_group),
    operation: call?.operation ?? short(callType),
    endpoint: call?.endpoint ?? null,
    ...tokens(row, meta),
    cost_usd: nonNegative(row.spend),
    ...outcome(row, meta),
    user_id: short(row.end_user) ?? short(agent.agent_user_id),
    session_id: short(agent.agent_session_id) ?? short(row.session_id),
    agent_name: short(agent.agent_name),
    agent_version: short(agent.agent_version),
    app_name: short(agent.agent_app_name),
    tags: tagsOf(row.request_tags),
    api_key_id: short(row.api_key),
    api_key_label: short(meta['user_api_key_alias']),
    client_ip: clip(text(row.requester_ip_address) ?? text(meta['requester_ip_address']), 64),
    ...requestFields(call, request, row),
    output_text: replyText(row.response),
    metadata: metadataOf(row, requestId, meta, request),
  };
  if (event['model'] === null) event['api_type'] = call?.apiType ?? 'other';
  else if (call !== null) event['api_type'] = call.apiType;
  return { ok: true, event: withoutNulls(event) };
}

/** Start, end, duration and time to first token. */
function timing(row: LiteLLMSpendRow, start: number): Obj {
  const end = time(row.endTime);
  const out: Obj = {};
  if (end !== null && end >= start) out['end_time'] = new Date(end).toISOString();
  else {
    const ms = nonNegative(row.request_duration_ms);
    if (ms !== null) out['duration_ms'] = ms;
  }
  // LiteLLM sets completionStartTime to endTime when the call did not stream: that is no first token.
  const first = time(row.completionStartTime);
  if (first !== null && first !== end && first >= start) out['ttft_ms'] = first - start;
  return out;
}

/**
 * Token counts in Tally's meaning (input = the whole prompt, cache included; output includes reasoning), by
 * core's normalisation of the usage shape the row carries:
 * - LiteLLM's own usage (its columns, and `metadata.usage_object`) uses OpenAI's names for every provider, and its
 *   `prompt_tokens` already counts cached tokens, so it maps as an OpenAI Chat usage, with the cache and reasoning
 *   details from `usage_object` / `additional_usage_values`;
 * - a provider's raw usage kept in `additional_usage_values` when LiteLLM had none of its own: the Responses API's
 *   (`input_tokens` with `input_tokens_details`, cache included) or Anthropic's (`input_tokens` without the cache,
 *   to which the cache reads and writes are added).
 */
function tokens(row: LiteLLMSpendRow, meta: Obj): Obj {
  const extra = jsonObject(meta['additional_usage_values']);
  const usageObject = jsonObject(meta['usage_object']);
  let usage: TokenUsage | null;
  if (tokenCount(usageObject['prompt_tokens']) === null && tokenCount(extra['input_tokens']) !== null) {
    const responses = isRecord(extra['input_tokens_details']) || isRecord(extra['output_tokens_details']);
    usage = responses
      ? normalizeOpenAIResponsesUsage({ total_tokens: tokenCount(row.total_tokens) ?? undefined, ...extra })
      : normalizeAnthropicUsage(extra);
  } else {
    const merged: Obj = { ...usageObject, ...extra };
    for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
      const column = tokenCount(row[key]);
      if (column !== null) merged[key] = column;
    }
    usage = normalizeOpenAIChatUsage(merged);
    if (usage !== null) {
      usage.cache_read_tokens ??= tokenCount(merged['cache_read_input_tokens']);
      usage.cache_write_tokens =
        tokenCount(merged['cache_creation_input_tokens']) ??
        nested(merged, 'prompt_tokens_details', 'cache_creation_tokens');
    }
  }
  if (usage === null) return {};
  return {
    input_tokens: whole(usage.input_tokens),
    output_tokens: whole(usage.output_tokens),
    total_tokens: whole(usage.total_tokens),
    cache_read_tokens: whole(usage.cache_read_tokens),
    cache_write_tokens: whole(usage.cache_write_tokens),
    reasoning_tokens: whole(usage.reasoning_tokens),
  };
}

/** Success, or the failure LiteLLM recorded in `status` and `metadata.error_information`. */
function outcome(row: LiteLLMSpendRow, meta: Obj): Obj {
  const status = text(row.status) ?? text(meta['status']);
  if (status !== 'failure') return { status: 'success' };
  const info = jsonObject(meta['error_information']);
  const code = text(info['error_code']) ?? (typeof info['error_code'] === 'number' ? String(info['error_code']) : null);
  const errorClass = short(info['error_class']);
  const statusCode = code !== null && /^\d{3}$/.test(code) ? Number(code) : null;
  return {
    status: /timeout/i.test(errorClass ?? '') || statusCode === 408 ? 'timeout' : 'error',
    status_code: statusCode,
    error_type: errorClass ?? (statusCode === null ? short(code) : null),
    error_message: clip(text(info['error_message']), LIMITS.errorMessage),
  };
}

/** Prompt and request parameters, from the request body LiteLLM stored (only when it stores prompts). */
function requestFields(call: CallKind | null, body: Obj, row: LiteLLMSpendRow): Obj {
  const out: Obj = {};
  if (typeof body['stream'] === 'boolean') out['stream'] = body['stream'];
  else {
    const first = time(row.completionStartTime);
    const end = time(row.endTime);
    if (first !== null && end !== null) out['stream'] = first < end;
  }
  if (call?.mode && Object.keys(body).length > 0) {
    const r = readRequest(call.mode, body);
    out['message_count'] = r.messageCount;
    out['temperature'] = r.temperature;
    out['max_tokens'] = r.maxTokens;
    out['input_text'] = promptText(r.prompt);
  }
  // Older versions kept the messages in their own column.
  if (out['input_text'] == null && Array.isArray(row.messages) && row.messages.length > 0)
    out['input_text'] = promptText(row.messages);
  return out;
}

/**
 * The reply text of a stored response: Chat Completions `choices[].message.content` (or `.text`), Anthropic
 * `content[].text`, Responses `output[].content[].text`. Null when LiteLLM stored none (`{}`).
 */
export function replyText(response: unknown): string | null {
  const value = parseJsonText(response);
  if (typeof value === 'string') return value === '' ? null : value.slice(0, LIMITS.contentText);
  if (!isRecord(value)) return null;
  const parts: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') parts.push(v);
  };
  for (const choice of arrayOf(value['choices'])) {
    const message = jsonObject(isRecord(choice) ? choice['message'] : null);
    add(message['content']);
    if (isRecord(choice)) add(choice['text']);
  }
  for (const block of arrayOf(value['content'])) if (isRecord(block) && block['type'] === 'text') add(block['text']);
  for (const item of arrayOf(value['output'])) {
    if (!isRecord(item)) continue;
    for (const part of arrayOf(item['content'])) if (isRecord(part)) add(part['text']);
  }
  return parts.length === 0 ? null : parts.join('').slice(0, LIMITS.contentText);
}

/**
 * The agent fields wherever the client put them: top-level `metadata` (as seed 000 reads them), LiteLLM's
 * `metadata.spend_logs_metadata`, or the stored request body's `metadata` (and its `spend_logs_metadata`).
 */
function agentFields(meta: Obj, request: Obj): AgentFields {
  const requestMeta = jsonObject(request['metadata']);
  const sources = [
    meta,
    jsonObject(meta['spend_logs_metadata']),
    requestMeta,
    jsonObject(requestMeta['spend_logs_metadata']),
  ];
  const out: AgentFields = {};
  for (const field of AGENT_FIELDS) {
    for (const source of sources) {
      const v = source[field];
      const value = typeof v === 'number' ? String(v) : text(v);
      if (value !== null) {
        out[field] = value;
        break;
      }
    }
  }
  return out;
}

/** What Tally has no field for, kept in metadata under LiteLLM's names. */
function metadataOf(row: LiteLLMSpendRow, requestId: string, meta: Obj, request: Obj): Obj {
  const out: Obj = {};
  // Client metadata first, so LiteLLM's own fields below win on a clash.
  const client = { ...jsonObject(jsonObject(request['metadata'])['spend_logs_metadata']), ...spendLogsMetadata(meta) };
  let copied = 0;
  for (const [key, value] of Object.entries(client)) {
    if (copied >= EXTRA_METADATA_KEYS || AGENT_FIELDS.includes(key as never)) continue;
    if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value !== '')) {
      out[clip(key, LIMITS.shortString)!] = typeof value === 'string' ? clip(value, LIMITS.labelString) : value;
      copied++;
    }
  }
  const cacheHit = text(row.cache_hit);
  Object.assign(out, {
    call_type: short(row.call_type),
    model_group: short(row.model_group),
    model_id: short(row.model_id),
    // LiteLLM's "user" is the internal user that owns the key, not the end user (that is user_id).
    litellm_user: short(row.user),
    team_id: short(row.team_id),
    team_alias: short(meta['user_api_key_team_alias']),
    organization_id: short(row.organization_id),
    api_base: clip(text(row.api_base), LIMITS.labelString),
    cache_hit: cacheHit === 'True' ? true : cacheHit === 'False' ? false : null,
    mcp_namespaced_tool_name: short(row.mcp_namespaced_tool_name),
    agent_id: short(row.agent_id),
    litellm_call_id: short(row.litellm_call_id),
    litellm_request_id: requestId.length > LIMITS.idLength ? clip(requestId, LIMITS.labelString) : null,
  });
  return withoutNulls(out);
}

function spendLogsMetadata(meta: Obj): Obj {
  return jsonObject(meta['spend_logs_metadata']);
}

/** An id that fits Tally's limit for a request_id that does not, stable across runs. */
function longId(requestId: string): string {
  return `litellm_${createHash('sha256').update(requestId).digest('hex').slice(0, 40)}`;
}

function tagsOf(value: unknown): string[] | null {
  const tags = arrayOf(parseJsonText(value))
    .filter((t): t is string => typeof t === 'string' && t !== '')
    .map((t) => t.slice(0, LIMITS.tagLength));
  return tags.length === 0 ? null : [...new Set(tags)].slice(0, LIMITS.tagCount);
}

/** A JSON column's object: parsed when a version stored JSON as text, `{}` for anything else. */
function jsonObject(value: unknown): Obj {
  const parsed = parseJsonText(value);
  return isRecord(parsed) ? parsed : {};
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return value;
  try {
    return JSON.parse(t);
  } catch {
    return value;
  }
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function nested(obj: Obj, key: string, sub: string): number | null {
  return tokenCount(jsonObject(obj[key])[sub]);
}

function time(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function clip(value: string | null, max: number): string | null {
  return value === null ? null : value.slice(0, max);
}

/** A dimension value: non-empty text, cut to Tally's limit for identifiers. */
function short(value: unknown): string | null {
  return clip(text(value), LIMITS.shortString);
}

function nonNegative(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function whole(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

function withoutNulls(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}
