import type { TokenCounts } from './call-event.js';
import { field, instrumentCreate, num, str } from './wrap-core.js';
import type { CreateResource, EndpointAdapter, Observed, StreamWatcher, WrapOptions } from './wrap-core.js';

/** The parts of an `openai` client Tally instruments; structural, so the SDK does not need `openai` installed. */
export interface OpenAIClientLike {
  chat?: { completions?: CreateResource };
  responses?: CreateResource;
  embeddings?: CreateResource;
  completions?: CreateResource;
}

/** Chat Completions usage (formats.md §5): prompt_tokens already includes cached tokens. */
export function chatTokens(usage: unknown): TokenCounts | undefined {
  if (usage == null || typeof usage !== 'object') return undefined;
  return {
    input_tokens: num(field(usage, 'prompt_tokens')),
    output_tokens: num(field(usage, 'completion_tokens')),
    total_tokens: num(field(usage, 'total_tokens')),
    cache_read_tokens: num(field(field(usage, 'prompt_tokens_details'), 'cached_tokens')),
    reasoning_tokens: num(field(field(usage, 'completion_tokens_details'), 'reasoning_tokens')),
  };
}

/** Embeddings usage: `prompt_tokens` and `total_tokens` only; an embedding has no output tokens. */
export function embeddingTokens(usage: unknown): TokenCounts | undefined {
  if (usage == null || typeof usage !== 'object') return undefined;
  return { input_tokens: num(field(usage, 'prompt_tokens')), total_tokens: num(field(usage, 'total_tokens')) };
}

/** Responses API usage (formats.md §5): input_tokens already includes cached tokens. */
export function responsesTokens(usage: unknown): TokenCounts | undefined {
  if (usage == null || typeof usage !== 'object') return undefined;
  return {
    input_tokens: num(field(usage, 'input_tokens')),
    output_tokens: num(field(usage, 'output_tokens')),
    total_tokens: num(field(usage, 'total_tokens')),
    cache_read_tokens: num(field(field(usage, 'input_tokens_details'), 'cached_tokens')),
    reasoning_tokens: num(field(field(usage, 'output_tokens_details'), 'reasoning_tokens')),
  };
}

const hasText = (v: unknown) => typeof v === 'string' && v !== '';

type ChoiceHasContent = (choice: unknown) => boolean;

const chatDelta: ChoiceHasContent = (c) => {
  const delta = field(c, 'delta');
  return (
    hasText(field(delta, 'content')) || hasText(field(delta, 'refusal')) || Array.isArray(field(delta, 'tool_calls'))
  );
};
const completionText: ChoiceHasContent = (c) => hasText(field(c, 'text'));

/**
 * Chat and legacy completions streams: usage arrives on a final chunk (`choices: []`) when
 * `stream_options.include_usage` is set.
 */
const choicesStream = (hasContent: ChoiceHasContent) => (): StreamWatcher => {
  let model: string | undefined;
  let tokens: TokenCounts | undefined;
  return {
    chunk(value) {
      model = str(field(value, 'model')) ?? model;
      tokens = chatTokens(field(value, 'usage')) ?? tokens;
      // Some compatible servers send `choices: null` on the usage chunk.
      const choices = field(value, 'choices');
      return Array.isArray(choices) && choices.some(hasContent);
    },
    result: () => ({ model, tokens }),
  };
};

/** Responses stream: each event names its type; usage is on the final `response.completed` (or failed/incomplete). */
function responsesStream(): StreamWatcher {
  let model: string | undefined;
  let tokens: TokenCounts | undefined;
  return {
    chunk(value) {
      const type = str(field(value, 'type')) ?? '';
      const response = field(value, 'response');
      if (response !== undefined) {
        model = str(field(response, 'model')) ?? model;
        tokens = responsesTokens(field(response, 'usage')) ?? tokens;
      }
      return type.endsWith('.delta');
    },
    result: () => ({ model, tokens }),
  };
}

const fromBody =
  (tokens: (usage: unknown) => TokenCounts | undefined) =>
  (body: unknown): Observed => ({ model: str(field(body, 'model')), tokens: tokens(field(body, 'usage')) });

const generative = { provider: 'openai', apiType: 'generative' };
const CHAT: EndpointAdapter = {
  ...generative,
  endpoint: '/v1/chat/completions',
  operation: 'chat',
  fromResponse: fromBody(chatTokens),
  watchStream: choicesStream(chatDelta),
};
const RESPONSES: EndpointAdapter = {
  ...generative,
  endpoint: '/v1/responses',
  operation: 'chat',
  fromResponse: fromBody(responsesTokens),
  watchStream: responsesStream,
};
const COMPLETIONS: EndpointAdapter = {
  ...generative,
  endpoint: '/v1/completions',
  operation: 'text_completion',
  fromResponse: fromBody(chatTokens),
  watchStream: choicesStream(completionText),
};
const EMBEDDINGS: EndpointAdapter = {
  provider: 'openai',
  apiType: 'embedding',
  endpoint: '/v1/embeddings',
  operation: 'embeddings',
  fromResponse: fromBody(embeddingTokens),
  // The embeddings endpoint does not stream.
  watchStream: () => ({ chunk: () => false, result: () => ({}) }),
};

/**
 * Instruments an `openai` client in place and returns it: every `chat.completions.create`, `responses.create`,
 * `completions.create` and `embeddings.create` call, streamed or not, is recorded with its model, tokens, duration,
 * time to first token and cost; so are the helpers built on them (`chat.completions.parse/stream`,
 * `responses.parse/stream`). The caller gets exactly what the client returns; a client error is recorded and
 * rethrown unchanged. Wrapping again replaces the options.
 *
 * @example
 * const openai = wrapOpenAI(new OpenAI(), { user_id: 'u1', session_id: 's1', agent_name: 'support-bot' });
 * const r = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * // Streams: pass stream_options: { include_usage: true } so the token counts arrive.
 */
export function wrapOpenAI<C extends OpenAIClientLike>(client: C, options: WrapOptions = {}): C {
  instrumentCreate(client.chat?.completions, CHAT, options);
  instrumentCreate(client.responses, RESPONSES, options);
  instrumentCreate(client.completions, COMPLETIONS, options);
  instrumentCreate(client.embeddings, EMBEDDINGS, options);
  return client;
}
