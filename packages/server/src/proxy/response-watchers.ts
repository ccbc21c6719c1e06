import {
  LIMITS,
  isRecord,
  mergeAnthropicStreamUsage,
  normalizeAnthropicUsage,
  normalizeOpenAIChatUsage,
  normalizeOpenAIResponsesUsage,
  type TokenUsage,
} from '@tally/core';
import type { UpstreamMode } from './proxy-endpoints.js';

/** An error the upstream reported, in its body or inside a stream. */
export interface UpstreamFailure {
  type: string | null;
  message: string;
}

/** What the proxy learnt from one answer (or from the part of a stream it saw). */
export interface Observation {
  model: string | null;
  usage: TokenUsage | null;
  outputText: string | null;
  error: UpstreamFailure | null;
}

/** Reads one answer of one endpoint: either its whole JSON body, or its stream event by event. */
export interface ResponseWatcher {
  /** One streamed event's JSON; returns true when it carries generated content (for time to first token). */
  event(value: unknown): boolean;
  /** The JSON body of a successful answer that was not streamed. */
  body(value: unknown): void;
  result(): Observation;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const get = (v: unknown, key: string): unknown => (isRecord(v) ? v[key] : undefined);

/** Generated text, kept up to the size a record may store. */
class TextSink {
  private parts: string[] = [];
  private size = 0;
  constructor(readonly enabled: boolean) {}
  add(text: unknown): void {
    if (!this.enabled || typeof text !== 'string' || text === '' || this.size >= LIMITS.contentText) return;
    this.parts.push(text);
    this.size += text.length;
  }
  value(): string | null {
    return this.parts.length === 0 ? null : this.parts.join('').slice(0, LIMITS.contentText);
  }
}

/**
 * The error in an upstream's error body, whatever OpenAI-compatible server sent it: OpenAI's and Anthropic's
 * `{error: {type, message}}`, a bare `{error: "..."}`, FastAPI's `{detail: ...}` (vLLM) or `{message}`.
 */
export function failureOf(body: unknown): UpstreamFailure | null {
  const error = get(body, 'error');
  if (typeof error === 'string' && error) return { type: null, message: error };
  if (isRecord(error)) {
    const message = str(error.message) ?? JSON.stringify(error);
    return { type: str(error.type) ?? str(error.code), message };
  }
  const detail = get(body, 'detail');
  if (typeof detail === 'string' && detail) return { type: null, message: detail };
  if (detail !== undefined) return { type: null, message: JSON.stringify(detail) };
  const message = str(get(body, 'message'));
  return message ? { type: str(get(body, 'type')), message } : null;
}

type Choices = 'message' | 'text';

/** Chat and legacy completions: usage on the body, or on a final stream chunk (`choices: []`) with include_usage. */
function choicesWatcher(capture: boolean, kind: Choices): ResponseWatcher {
  let model: string | null = null;
  let usage: TokenUsage | null = null;
  let error: UpstreamFailure | null = null;
  const text = new TextSink(capture);
  return {
    event(value) {
      model = str(get(value, 'model')) ?? model;
      usage = normalizeOpenAIChatUsage(get(value, 'usage')) ?? usage;
      if (get(value, 'error') !== undefined) error = failureOf(value);
      // Some compatible servers send `choices: null` on the usage chunk.
      const choices = get(value, 'choices');
      if (!Array.isArray(choices)) return false;
      let content = false;
      for (const c of choices) {
        if (kind === 'text') {
          const t = get(c, 'text');
          text.add(t);
          content ||= typeof t === 'string' && t !== '';
          continue;
        }
        const delta = get(c, 'delta');
        const t = get(delta, 'content');
        text.add(t);
        content ||= (typeof t === 'string' && t !== '') || !!get(delta, 'refusal') || !!get(delta, 'tool_calls');
      }
      return content;
    },
    body(value) {
      model = str(get(value, 'model'));
      usage = normalizeOpenAIChatUsage(get(value, 'usage'));
      const choices = get(value, 'choices');
      if (Array.isArray(choices))
        for (const c of choices) text.add(kind === 'text' ? get(c, 'text') : get(get(c, 'message'), 'content'));
    },
    result: () => ({ model, usage, outputText: text.value(), error }),
  };
}

/** Responses API: usage on the body, or on the `response.completed` (or `.incomplete`/`.failed`) event. */
function responsesWatcher(capture: boolean): ResponseWatcher {
  let model: string | null = null;
  let usage: TokenUsage | null = null;
  let error: UpstreamFailure | null = null;
  const text = new TextSink(capture);
  const fromResponse = (response: unknown) => {
    model = str(get(response, 'model')) ?? model;
    usage = normalizeOpenAIResponsesUsage(get(response, 'usage')) ?? usage;
    const failure = get(response, 'error');
    if (isRecord(failure)) error = failureOf(response);
  };
  return {
    event(value) {
      const type = str(get(value, 'type')) ?? '';
      const response = get(value, 'response');
      if (response !== undefined) fromResponse(response);
      if (type === 'error') error = { type: str(get(value, 'code')), message: str(get(value, 'message')) ?? type };
      if (type === 'response.output_text.delta') text.add(get(value, 'delta'));
      return type.endsWith('.delta');
    },
    body(value) {
      fromResponse(value);
      const output = get(value, 'output');
      if (!Array.isArray(output)) return;
      for (const item of output) {
        const content = get(item, 'content');
        if (get(item, 'type') !== 'message' || !Array.isArray(content)) continue;
        for (const part of content) if (get(part, 'type') === 'output_text') text.add(get(part, 'text'));
      }
    },
    result: () => ({ model, usage, outputText: text.value(), error }),
  };
}

/**
 * Anthropic Messages: `message_start` carries the initial usage and each `message_delta` CUMULATIVE counts, merged
 * by core (the last value of each field wins; a stream has one or two deltas).
 */
function messagesWatcher(capture: boolean): ResponseWatcher {
  let model: string | null = null;
  let usage: TokenUsage | null = null;
  let start: unknown = null;
  const deltas: unknown[] = [];
  let error: UpstreamFailure | null = null;
  const text = new TextSink(capture);
  return {
    event(value) {
      switch (get(value, 'type')) {
        case 'message_start':
          model = str(get(get(value, 'message'), 'model')) ?? model;
          start = value;
          break;
        case 'message_delta':
          deltas.push(value);
          break;
        case 'content_block_delta': {
          const delta = get(value, 'delta');
          if (get(delta, 'type') === 'text_delta') text.add(get(delta, 'text'));
          return true;
        }
        case 'error':
          error = failureOf(value);
          break;
      }
      return false;
    },
    body(value) {
      model = str(get(value, 'model'));
      usage = normalizeAnthropicUsage(get(value, 'usage'));
      const content = get(value, 'content');
      if (Array.isArray(content))
        for (const block of content) if (get(block, 'type') === 'text') text.add(get(block, 'text'));
    },
    result: () => ({
      model,
      usage: usage ?? mergeAnthropicStreamUsage(start, deltas),
      outputText: text.value(),
      error,
    }),
  };
}

/** The watcher for one endpoint's answers; `capture` says whether generated text is kept. */
export function watcherFor(mode: UpstreamMode, capture: boolean): ResponseWatcher {
  switch (mode) {
    case 'chat':
      return choicesWatcher(capture, 'message');
    case 'completions':
      return choicesWatcher(capture, 'text');
    case 'embeddings':
      return choicesWatcher(false, 'message');
    case 'responses':
      return responsesWatcher(capture);
    case 'messages':
      return messagesWatcher(capture);
  }
}
