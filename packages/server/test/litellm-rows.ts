import { createHash } from 'node:crypto';

/**
 * Spend-log rows in the shapes LiteLLM's proxy writes them (its `get_logging_payload`): hashed key, `metadata` with
 * only LiteLLM's allow-listed keys (client metadata under `spend_logs_metadata`), usage details in
 * `additional_usage_values` / `usage_object`, `completionStartTime` equal to `endTime` when the call did not
 * stream, cache hits with a suffixed request_id, failures with `error_information`, prompts and responses only
 * when prompt storage is on.
 */

export const DAY = 86_400_000;
export const MINUTE = 60_000;

/** The hash LiteLLM stores for a virtual key (sha256 of the key). */
export const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');
export const API_KEY = keyHash('sk-litellm-virtual-key-0001');

/** A UTC instant as LiteLLM's `timestamp(3) without time zone` columns hold it. */
export const wallClock = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export interface CallSpec {
  id: string;
  start: number;
  durationMs?: number;
  /** Streamed: the first chunk came this many ms after the start. Absent: not streamed. */
  ttftMs?: number;
  callType?: string;
  provider?: string;
  model?: string;
  modelGroup?: string;
  prompt?: number;
  completion?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
  spend?: number;
  /** The OpenAI `user` field of the request (LiteLLM's end_user). */
  endUser?: string;
  /** Client metadata: where the client's agent fields ended up. */
  agent?: { at: 'top' | 'spend_logs_metadata' | 'request'; fields: Record<string, string> };
  failure?: { code: string; errorClass: string; message: string };
  cacheHit?: boolean;
  tags?: string[];
  /** Prompt storage on: the request body and this reply are stored. */
  stored?: { messages: { role: string; content: string }[]; reply: string | null };
  sessionId?: string;
  team?: string;
  organization?: string;
}

/** A current-version row for a call. */
export function spendLogRow(s: CallSpec): Record<string, unknown> {
  const provider = s.provider ?? 'openai';
  const model = s.model ?? 'gpt-4o-2024-08-06';
  const callType = s.callType ?? 'acompletion';
  const prompt = s.prompt ?? 0;
  const completion = s.completion ?? 0;
  const end = s.start + (s.durationMs ?? 1500);
  const usage = usageOf(s, prompt, completion);
  const agentFields = s.agent?.fields ?? {};
  const requestBody = s.stored
    ? {
        model: s.modelGroup ?? 'gpt-4o',
        messages: s.stored.messages,
        stream: s.ttftMs !== undefined,
        ...(s.endUser ? { user: s.endUser } : {}),
        ...(s.agent?.at === 'request' ? { metadata: { spend_logs_metadata: agentFields } } : {}),
      }
    : {};
  return {
    request_id: s.id,
    call_type: callType,
    api_key: API_KEY,
    spend: s.spend ?? 0,
    total_tokens: prompt + completion,
    prompt_tokens: prompt,
    completion_tokens: completion,
    startTime: wallClock(s.start),
    endTime: wallClock(end),
    request_duration_ms: null,
    completionStartTime: wallClock(s.ttftMs === undefined ? end : s.start + s.ttftMs),
    model,
    model_id: `deployment-${provider}-1`,
    model_group: s.modelGroup ?? 'gpt-4o',
    custom_llm_provider: provider,
    api_base: provider === 'anthropic' ? 'https://api.anthropic.com/v1/messages' : 'https://api.openai.com/v1',
    user: 'internal-user-1',
    metadata: {
      ...(s.agent?.at === 'top' ? agentFields : {}),
      user_api_key: API_KEY,
      user_api_key_alias: 'prod-key',
      user_api_key_team_id: s.team ?? 'team-a',
      user_api_key_org_id: s.organization ?? null,
      user_api_key_user_id: 'internal-user-1',
      user_api_key_team_alias: 'Search',
      spend_logs_metadata: s.agent?.at === 'spend_logs_metadata' ? agentFields : null,
      requester_ip_address: '10.0.0.7',
      additional_usage_values: usage.additional,
      applied_guardrails: [],
      status: s.failure ? 'failure' : 'success',
      error_information: s.failure
        ? {
            error_code: s.failure.code,
            error_class: s.failure.errorClass,
            llm_provider: provider,
            traceback: 'Traceback (most recent call last): …',
            error_message: s.failure.message,
          }
        : null,
      proxy_server_request: null,
      batch_models: null,
      mcp_tool_call_metadata: null,
      vector_store_request_metadata: null,
      guardrail_information: null,
      usage_object: usage.object,
      model_map_information: { model_map_key: model, model_map_value: null },
      cold_storage_object_key: null,
      litellm_overhead_time_ms: 2.4,
      cost_breakdown: { input_cost: (s.spend ?? 0) * 0.4, output_cost: (s.spend ?? 0) * 0.6, total_cost: s.spend ?? 0 },
    },
    cache_hit: s.cacheHit ? 'True' : 'False',
    cache_key: 'Cache OFF',
    request_tags: s.tags ?? [],
    team_id: s.team ?? 'team-a',
    organization_id: s.organization ?? '',
    end_user: s.endUser ?? '',
    requester_ip_address: '10.0.0.7',
    messages: {},
    response: s.stored?.reply
      ? {
          id: s.id,
          object: 'chat.completion',
          model,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: s.stored.reply } }],
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        }
      : {},
    proxy_server_request: requestBody,
    session_id: s.sessionId ?? `trace-${s.id}`,
    status: s.failure ? 'failure' : 'success',
    mcp_namespaced_tool_name: null,
    agent_id: null,
  };
}

/** LiteLLM's usage detail for the call: its own OpenAI-style Usage, or Anthropic's raw usage for /v1/messages. */
function usageOf(s: CallSpec, prompt: number, completion: number): { additional: object; object: object | null } {
  if (s.callType === 'anthropic_messages') {
    // `prompt_tokens` (the column) counts the cache; Anthropic's own input_tokens does not.
    return {
      additional: {
        input_tokens: prompt - (s.cacheRead ?? 0) - (s.cacheWrite ?? 0),
        output_tokens: completion,
        cache_read_input_tokens: s.cacheRead ?? 0,
        cache_creation_input_tokens: s.cacheWrite ?? 0,
        service_tier: 'standard',
      },
      object: null,
    };
  }
  const details = {
    prompt_tokens_details: {
      cached_tokens: s.cacheRead ?? 0,
      audio_tokens: null,
      ...(s.cacheWrite !== undefined ? { cache_creation_tokens: s.cacheWrite } : {}),
    },
    completion_tokens_details: s.reasoning !== undefined ? { reasoning_tokens: s.reasoning, audio_tokens: null } : null,
    ...(s.cacheWrite !== undefined
      ? { cache_creation_input_tokens: s.cacheWrite, cache_read_input_tokens: s.cacheRead ?? 0 }
      : {}),
  };
  return {
    additional: details,
    object: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...details },
  };
}

/** The request_id LiteLLM gives a cache hit: the original id plus `_cache_hit<unix time>`. */
export const cacheHitId = (id: string, at: number) => `${id}_cache_hit${(at / 1000).toFixed(6)}`;

/** A small deterministic PRNG, so generated data is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface AgentSpec {
  name: string;
  version: string;
  at: 'top' | 'spend_logs_metadata';
  sessions: number;
  users: number;
  calls: number;
  prefix: string;
}

/**
 * An agent's calls over the last 24 days, as seed 000's service sees them: every call carries the agent's
 * session and user. No call lies within 10 minutes of a range start (now − 1, 2, 7, 15 or 20 days) or within the
 * last 10 minutes, so the answers cannot depend on how long the test takes.
 */
export function agentCalls(agent: AgentSpec, now: number, seed: number): Record<string, unknown>[] {
  const random = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const rows: Record<string, unknown>[] = [];
  while (rows.length < agent.calls) {
    const start = Math.round(now - 10 * MINUTE - random() * 24 * DAY);
    if ([1, 2, 7, 15, 20].some((d) => Math.abs(start - (now - d * DAY)) < 10 * MINUTE)) continue;
    const n = rows.length;
    const prompt = 50 + Math.floor(random() * 2000);
    const completion = 5 + Math.floor(random() * 400);
    const failed = random() < 0.08;
    const reply = failed || random() < 0.3 ? null : `Answer ${n} from ${agent.name}: ${'✓'.repeat(1 + (n % 5))}`;
    const user = `${agent.prefix}-u${1 + Math.floor(random() * agent.users)}`;
    rows.push(
      spendLogRow({
        id: `chatcmpl-${agent.prefix}-${String(n).padStart(4, '0')}`,
        start,
        durationMs: 200 + Math.floor(random() * 5000),
        ...(random() < 0.5 ? { ttftMs: 80 + Math.floor(random() * 150) } : {}),
        model: pick(['gpt-4o-2024-08-06', 'gpt-4o-mini-2024-07-18']),
        prompt: failed ? 0 : prompt,
        completion: failed ? 0 : completion,
        cacheRead: failed ? 0 : Math.floor(prompt / 3),
        spend: failed ? 0 : Number((prompt * 2.5e-6 + completion * 1e-5).toFixed(8)),
        agent: {
          at: agent.at,
          fields: {
            agent_name: agent.name,
            agent_version: agent.version,
            agent_session_id: `${agent.prefix}-s${1 + Math.floor(random() * agent.sessions)}`,
            agent_user_id: user,
            agent_app_name: `${agent.prefix}-app`,
          },
        },
        ...(failed ? { failure: { code: '500', errorClass: 'InternalServerError', message: 'upstream failed' } } : {}),
        stored: { messages: [{ role: 'user', content: `question ${n}` }], reply },
      }),
    );
  }
  return rows;
}
