import { LIMITS, isRecord } from '@tally/core';
import type { UpstreamMode } from './proxy-endpoints.js';

/** What the proxy records about a request body; it never changes the body it forwards. */
export interface RequestInfo {
  model: string | null;
  stream: boolean;
  messageCount: number | null;
  temperature: number | null;
  maxTokens: number | null;
  /** OpenAI's `user` field, or Anthropic's `metadata.user_id`. */
  user: string | null;
  /** The messages, input or prompt of the request, turned into `input_text` after the answer (if captured). */
  prompt: unknown;
}

const EMPTY: RequestInfo = {
  model: null,
  stream: false,
  messageCount: null,
  temperature: null,
  maxTokens: null,
  user: null,
  prompt: undefined,
};

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const count = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= LIMITS.maxTokens ? v : null;

/** Items in a prompt field: a list of messages, prompts or inputs; a single string (or token list) is one. */
function items(v: unknown): number | null {
  if (typeof v === 'string') return 1;
  if (!Array.isArray(v)) return null;
  return v.length > 0 && v.every((x) => typeof x === 'number') ? 1 : v.length;
}

/** The field holding the messages, prompts or inputs of each endpoint. */
const PROMPT_FIELD: Record<UpstreamMode, string> = {
  chat: 'messages',
  messages: 'messages',
  responses: 'input',
  embeddings: 'input',
  completions: 'prompt',
};

function promptOf(mode: UpstreamMode, body: Record<string, unknown>): unknown {
  switch (mode) {
    case 'chat':
      return body.messages;
    case 'completions':
      return body.prompt;
    case 'embeddings':
      return body.input;
    case 'responses':
      return body.instructions === undefined ? body.input : { instructions: body.instructions, input: body.input };
    case 'messages':
      return body.system === undefined ? body.messages : { system: body.system, messages: body.messages };
  }
}

/** The prompt as JSON, a plain string prompt as it is, cut to what a record holds. */
export function promptText(prompt: unknown): string | null {
  if (prompt === undefined || prompt === null) return null;
  const s = typeof prompt === 'string' ? prompt : JSON.stringify(prompt);
  return s.slice(0, LIMITS.contentText);
}

/**
 * Reads the fields worth recording from a parsed request body. A body that is not a JSON object (the upstream will
 * answer it with an error) gives nothing but does not stop the request.
 */
export function readRequest(mode: UpstreamMode, body: unknown): RequestInfo {
  if (!isRecord(body)) return EMPTY;
  const temperature = body.temperature;
  const metadata = body.metadata;
  return {
    model: text(body.model),
    stream: body.stream === true,
    messageCount: items(body[PROMPT_FIELD[mode]]),
    temperature: typeof temperature === 'number' && temperature >= 0 && temperature <= 100 ? temperature : null,
    maxTokens: count(body.max_tokens) ?? count(body.max_completion_tokens) ?? count(body.max_output_tokens),
    user: text(body.user) ?? (isRecord(metadata) ? text(metadata.user_id) : null),
    prompt: promptOf(mode, body),
  };
}
