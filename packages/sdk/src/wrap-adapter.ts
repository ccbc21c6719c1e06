import type { CallOptions, TokenCounts } from './call-event.js';

/** Who made the calls a wrapped client sends: the fields `track()` takes (user_id, session_id, agent_name, …). */
export type WrapOptions = CallOptions;

/** What Tally learns from one response or one finished stream. */
export interface Observed {
  model?: string;
  tokens?: TokenCounts;
}

/** Reads one streamed response chunk by chunk, as the caller iterates it. */
export interface StreamWatcher {
  /** Takes one chunk; returns true when it carries content (text, tool call, reasoning), for time to first token. */
  chunk(value: unknown): boolean;
  result(): Observed;
}

/** How one provider endpoint reports model and usage. */
export interface EndpointAdapter {
  provider: string;
  endpoint: string;
  /** The line's `operation` and `api_type` unless the caller's options name them. */
  operation: string;
  apiType: string;
  fromResponse(body: unknown): Observed;
  watchStream(): StreamWatcher;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const field = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : undefined);
