import { LIMITS, prepareCallEvent, type CallEvent, type PrepareContext } from '@tally/core';
import type { FastifyBaseLogger } from 'fastify';
import type { ExchangeOutcome } from './exchange.js';
import type { Caller } from './proxy-caller.js';
import type { ProxyEndpoint } from './proxy-endpoints.js';
import { promptText, type RequestInfo } from './request-info.js';
import type { UpstreamTarget } from './upstream.js';

export interface ProxiedCall {
  endpoint: ProxyEndpoint;
  target: UpstreamTarget;
  request: RequestInfo;
  caller: Caller;
  clientIp: string | null;
  /** Epoch ms when the request arrived. */
  timestamp: number;
  requestBytes: number;
  outcome: ExchangeOutcome;
  /** Whether the project keeps content at all (capture policy other than none). */
  capture: boolean;
}

/** Removes every copy of a secret from a text the upstream produced (some servers echo the key in an error). */
function scrub(text: string | null, secrets: readonly (string | null)[]): string | null {
  if (text === null) return null;
  let out = text;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('[REDACTED:api_key]');
  return out;
}

/** The CallEvent of one proxied request, as an ingest client would send it. */
export function callInput(c: ProxiedCall): Record<string, unknown> {
  const { outcome: o, request: r, caller: who } = c;
  const secrets = [who.providerKey, c.target.key];
  const usage = o.observation?.usage ?? null;
  const model = o.observation?.model ?? r.model;
  const metadata: Record<string, unknown> = {};
  if (r.model !== null && model !== r.model) metadata.requested_model = r.model;
  if (who.authMethod !== null) metadata.auth_method = who.authMethod;
  const input: Record<string, unknown> = {
    timestamp: c.timestamp,
    duration_ms: o.durationMs,
    provider: c.target.provider,
    api_type: c.endpoint.apiType,
    operation: c.endpoint.operation,
    endpoint: c.endpoint.path,
    method: c.endpoint.method,
    stream: r.stream,
    status: o.status,
    request_bytes: c.requestBytes,
    response_bytes: o.responseBytes,
    backend: c.target.backend,
    upstream_mode: c.endpoint.mode,
    metadata,
  };
  // Absent rather than null: prepareCallEvent validates what is present.
  const set = (name: string, value: unknown) => {
    if (value !== null && value !== undefined) input[name] = value;
  };
  set('model', model);
  if (usage) for (const name in usage) set(name, usage[name as keyof typeof usage]);
  set('ttft_ms', o.ttftMs);
  set('status_code', o.statusCode);
  set('error_type', o.errorType?.slice(0, LIMITS.shortString));
  set('error_message', scrub(o.errorMessage, secrets)?.slice(0, LIMITS.errorMessage));
  set('user_id', who.userId ?? r.user?.slice(0, LIMITS.shortString));
  set('session_id', who.sessionId);
  set('agent_name', who.agentName);
  set('agent_version', who.agentVersion);
  set('tags', who.tags);
  set('temperature', r.temperature);
  set('max_tokens', r.maxTokens);
  set('message_count', r.messageCount);
  set('upstream_ms', o.upstreamMs);
  set('api_key_id', who.apiKeyId);
  set('api_key_label', who.apiKeyLabel);
  set('client_ip', c.clientIp);
  set('user_agent', who.userAgent);
  if (c.capture) set('input_text', promptText(r.prompt));
  set('output_text', scrub(o.observation?.outputText ?? null, secrets));
  return input;
}

/**
 * Prepares the record of a proxied request under the project's rules (capture policy, prices). A field the
 * upstream filled with something the record cannot hold is left out rather than losing the call.
 */
export function prepareProxiedCall(
  raw: Record<string, unknown>,
  ctx: PrepareContext,
  log: FastifyBaseLogger,
): CallEvent | null {
  let prepared = prepareCallEvent(raw, ctx);
  if (!prepared.ok) {
    const fields = prepared.errors.map((e) => e.path.split('.')[0]!);
    log.warn({ fields }, 'proxied call recorded without fields it could not hold');
    const rest = { ...raw };
    for (const f of fields) if (f !== 'timestamp' && f !== 'api_type') delete rest[f];
    prepared = prepareCallEvent(rest, ctx);
  }
  return prepared.ok ? prepared.value : null;
}
