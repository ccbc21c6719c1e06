import { Type } from '@sinclair/typebox';
import type { CallEvent } from '@tally/core';
import type { CsvValue } from './csv.js';

/**
 * A stored call in seed 003's nested AnalyticsEvent shape (request / response / performance / auth / routing).
 * Fields Tally keeps no column for (`auth_method`, `mcp_enabled`, `mcp_servers`, `system_prompt_applied`, and
 * `authenticated` when given) are read from the call's metadata, so a gateway that records them gets them back;
 * otherwise they take neutral values. Unknown numbers and strings are null.
 */
export interface Seed003Event {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  request: {
    endpoint: string | null;
    method: string | null;
    model: string | null;
    stream: boolean;
    size_bytes: number | null;
    message_count: number | null;
    input_tokens: number | null;
    user_agent: string | null;
    client_ip: string | null;
  };
  response: {
    status_code: number | null;
    size_bytes: number | null;
    output_tokens: number | null;
    success: boolean;
    error_message: string | null;
  };
  performance: { duration_ms: number | null; ttfb_ms: number | null; upstream_duration_ms: number | null };
  auth: {
    authenticated: boolean;
    api_key_id: string | null;
    api_key_label: string | null;
    auth_method: string | null;
  };
  routing: {
    backend: string | null;
    upstream_mode: string | null;
    mcp_enabled: boolean;
    mcp_servers: string[];
    system_prompt_applied: boolean;
  };
}

const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Unix seconds of an epoch-ms time. */
export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

export function toSeed003Event(e: CallEvent): Seed003Event {
  const m = e.metadata;
  return {
    id: e.id,
    timestamp: unixSeconds(e.timestamp),
    request: {
      endpoint: e.endpoint,
      method: e.method,
      model: e.model,
      stream: e.stream ?? false,
      size_bytes: e.request_bytes,
      message_count: e.message_count,
      input_tokens: e.input_tokens,
      user_agent: e.user_agent,
      client_ip: e.client_ip,
    },
    response: {
      status_code: e.status_code,
      size_bytes: e.response_bytes,
      output_tokens: e.output_tokens,
      success: e.status === 'success',
      error_message: e.error_message,
    },
    performance: { duration_ms: e.duration_ms, ttfb_ms: e.ttft_ms, upstream_duration_ms: e.upstream_ms },
    auth: {
      authenticated: bool(m['authenticated']) ?? e.api_key_id !== null,
      api_key_id: e.api_key_id,
      api_key_label: e.api_key_label,
      auth_method: text(m['auth_method']),
    },
    routing: {
      backend: e.backend,
      upstream_mode: e.upstream_mode,
      mcp_enabled: bool(m['mcp_enabled']) ?? false,
      mcp_servers: strings(m['mcp_servers']),
      system_prompt_applied: bool(m['system_prompt_applied']) ?? false,
    },
  };
}

/** Seed 003's export columns, in its order. */
export const SEED003_CSV_COLUMNS = [
  'id',
  'timestamp',
  'endpoint',
  'method',
  'model',
  'stream',
  'status_code',
  'success',
  'duration_ms',
  'input_tokens',
  'output_tokens',
  'backend',
  'upstream_mode',
] as const;

/** The CSV record of a call, in SEED003_CSV_COLUMNS order. */
export function seed003CsvValues(e: Seed003Event): CsvValue[] {
  return [
    e.id,
    e.timestamp,
    e.request.endpoint,
    e.request.method,
    e.request.model,
    e.request.stream,
    e.response.status_code,
    e.response.success,
    e.performance.duration_ms,
    e.request.input_tokens,
    e.response.output_tokens,
    e.routing.backend,
    e.routing.upstream_mode,
  ];
}

const Str = Type.Union([Type.String(), Type.Null()]);
const Num = Type.Union([Type.Number(), Type.Null()]);
const Int = Type.Union([Type.Integer(), Type.Null()]);

export const Seed003EventSchema = Type.Object(
  {
    id: Type.String(),
    timestamp: Type.Integer({ description: 'Start of the call, Unix seconds' }),
    request: Type.Object({
      endpoint: Str,
      method: Str,
      model: Str,
      stream: Type.Boolean({ description: 'false when the call did not say' }),
      size_bytes: Int,
      message_count: Int,
      input_tokens: Int,
      user_agent: Str,
      client_ip: Str,
    }),
    response: Type.Object({
      status_code: Int,
      size_bytes: Int,
      output_tokens: Int,
      success: Type.Boolean({ description: 'status was success' }),
      error_message: Str,
    }),
    performance: Type.Object({
      duration_ms: Num,
      ttfb_ms: Type.Union([Type.Number(), Type.Null()], { description: 'Time to first token' }),
      upstream_duration_ms: Num,
    }),
    auth: Type.Object({
      authenticated: Type.Boolean({ description: 'metadata.authenticated, else whether an api_key_id was recorded' }),
      api_key_id: Str,
      api_key_label: Str,
      auth_method: Type.Union([Type.String(), Type.Null()], { description: 'metadata.auth_method' }),
    }),
    routing: Type.Object({
      backend: Str,
      upstream_mode: Str,
      mcp_enabled: Type.Boolean({ description: 'metadata.mcp_enabled, else false' }),
      mcp_servers: Type.Array(Type.String(), { description: 'metadata.mcp_servers, else []' }),
      system_prompt_applied: Type.Boolean({ description: 'metadata.system_prompt_applied, else false' }),
    }),
  },
  { description: "A stored call in seed 003's AnalyticsEvent shape" },
);

export const SEED003_EVENT_EXAMPLE: Seed003Event = {
  id: '550e8400-e29b-41d4-a716-446655440000',
  timestamp: 1704067200,
  request: {
    endpoint: '/v1/chat/completions',
    method: 'POST',
    model: 'gpt-4o',
    stream: false,
    size_bytes: 256,
    message_count: 3,
    input_tokens: 42,
    user_agent: 'curl/7.64.1',
    client_ip: '192.168.1.100',
  },
  response: { status_code: 200, size_bytes: 512, output_tokens: 128, success: true, error_message: null },
  performance: { duration_ms: 1247, ttfb_ms: null, upstream_duration_ms: 1200 },
  auth: { authenticated: true, api_key_id: 'key_abc123', api_key_label: 'production-key', auth_method: 'bearer' },
  routing: {
    backend: 'openai',
    upstream_mode: 'chat',
    mcp_enabled: false,
    mcp_servers: [],
    system_prompt_applied: true,
  },
};
