// OpenAI's wire format for the fake upstream: chat completions, responses, legacy completions and embeddings.
import type { Reply, SseEvent } from './fake-upstream.js';

export const MODEL = 'gpt-4o-2024-08-06';
export const INSTRUCT_MODEL = 'gpt-3.5-turbo-instruct';
export const EMBEDDING_MODEL = 'text-embedding-3-small';
export const CHAT_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1000 },
  completion_tokens_details: { reasoning_tokens: 0 },
};
export const RESPONSES_USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 200 },
  output_tokens: 500,
  output_tokens_details: { reasoning_tokens: 100 },
  total_tokens: 1500,
};
export const COMPLETION_USAGE = { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 };
export const EMBEDDING_USAGE = { prompt_tokens: 8, total_tokens: 8 };
export const VECTOR = [0.5, -0.25, 0.125];
/** Content of a structured-output answer (a request with `response_format` or `text.format`). */
export const STRUCTURED = '{"answer":4}';

const chatChunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: MODEL,
  choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  usage: null,
});

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [] });
const messageItem = (status: string, text: string | undefined) => ({
  type: 'message',
  id: 'msg_1',
  status,
  role: 'assistant',
  content: text === undefined ? [] : [outputText(text)],
});

export const response = (status: string, usage: unknown, text: string) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1_700_000_000,
  status,
  model: MODEL,
  output: text ? [messageItem('completed', text)] : [],
  usage,
});

function chatCompletion(body: Record<string, unknown>): unknown {
  // A model named `cut-short` stops at its token limit, which the `parse()` helper rejects.
  const finish = body.model === 'cut-short' ? 'length' : 'stop';
  const content = body.response_format ? STRUCTURED : 'Hello there';
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finish }],
    usage: CHAT_USAGE,
  };
}

const CHAT_STREAM: SseEvent[] = [
  { data: chatChunk({ role: 'assistant', content: '' }) },
  { data: chatChunk({ content: 'Hello' }) },
  { data: chatChunk({ content: ' there' }) },
  { data: chatChunk({}, 'stop') },
  { data: { ...chatChunk({}), choices: [], usage: CHAT_USAGE } },
  { data: '[DONE]' },
];

/** The full event sequence, which the `responses.stream()` helper checks item by item. */
function responsesStream(text: string): SseEvent[] {
  const at = { item_id: 'msg_1', output_index: 0, content_index: 0 };
  const events: Record<string, unknown>[] = [
    { type: 'response.created', response: response('in_progress', null, '') },
    { type: 'response.output_item.added', output_index: 0, item: messageItem('in_progress', undefined) },
    { type: 'response.content_part.added', ...at, part: outputText('') },
    ...[text.slice(0, 1), text.slice(1)].map((delta) => ({ type: 'response.output_text.delta', ...at, delta })),
    { type: 'response.output_text.done', ...at, text },
    { type: 'response.content_part.done', ...at, part: outputText(text) },
    { type: 'response.output_item.done', output_index: 0, item: messageItem('completed', text) },
    { type: 'response.completed', response: response('completed', RESPONSES_USAGE, text) },
  ];
  return events.map((e, n) => ({ event: e.type as string, data: { ...e, sequence_number: n } }));
}

const completion = (text: string, finish: string | null, usage: unknown = null) => ({
  id: 'cmpl-1',
  object: 'text_completion',
  created: 1_700_000_000,
  model: INSTRUCT_MODEL,
  choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});

function embeddings(body: Record<string, unknown>): unknown {
  // The `openai` client asks for base64 unless the caller names an encoding, and decodes it itself.
  const vector =
    body.encoding_format === 'base64' ? Buffer.from(new Float32Array(VECTOR).buffer).toString('base64') : VECTOR;
  return {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: vector }],
    model: EMBEDDING_MODEL,
    usage: EMBEDDING_USAGE,
  };
}

/** Routes a request to OpenAI's answer; a model named `boom` gets a 500. */
export function openaiRoute(path: string, body: Record<string, unknown>): Reply | undefined {
  if (body.model === 'boom') {
    return { status: 500, json: { error: { message: 'upstream exploded', type: 'server_error' } } };
  }
  const stream = body.stream === true;
  const text = isObjectWith(body.text, 'format') ? STRUCTURED : 'Hi';
  switch (path) {
    case '/v1/chat/completions':
      return stream ? { sse: CHAT_STREAM } : { json: chatCompletion(body) };
    case '/v1/responses':
      return stream ? { sse: responsesStream(text) } : { json: response('completed', RESPONSES_USAGE, text) };
    case '/v1/completions':
      if (!stream) return { json: completion('Once upon a time', 'stop', COMPLETION_USAGE) };
      return {
        sse: [
          { data: completion('Once', null) },
          { data: completion(' upon a time', 'stop') },
          { data: { ...completion('', null), choices: [], usage: COMPLETION_USAGE } },
          { data: '[DONE]' },
        ],
      };
    case '/v1/embeddings':
      return { json: embeddings(body) };
    default:
      return undefined;
  }
}

const isObjectWith = (v: unknown, key: string) => typeof v === 'object' && v !== null && key in v;
