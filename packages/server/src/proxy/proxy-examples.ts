// Examples for the proxy routes in the OpenAPI document: provider bodies, shortened.

const chatRequest = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello' }],
  stream: true,
  stream_options: { include_usage: true },
};
const chatResponse = {
  id: 'chatcmpl-9x',
  object: 'chat.completion',
  created: 1_767_225_600,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
};
const responsesRequest = { model: 'gpt-4.1-mini', input: 'Say hello' };
const responsesResponse = {
  id: 'resp_9x',
  object: 'response',
  status: 'completed',
  model: 'gpt-4.1-mini-2025-04-14',
  output: [
    {
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello!', annotations: [] }],
    },
  ],
  usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12 },
};
const embeddingsRequest = { model: 'text-embedding-3-small', input: ['first text', 'second text'] };
const embeddingsResponse = {
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.0023, -0.0091, 0.0154] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 6, total_tokens: 6 },
};
const completionsRequest = { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time', max_tokens: 16 };
const completionsResponse = {
  id: 'cmpl-9x',
  object: 'text_completion',
  model: 'gpt-3.5-turbo-instruct',
  choices: [{ index: 0, text: ' there was a proxy.', finish_reason: 'stop' }],
  usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
};
const modelsResponse = {
  object: 'list',
  data: [{ id: 'gpt-4o-mini', object: 'model', created: 1_721_172_741, owned_by: 'system' }],
};
const messagesRequest = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Say hello' }],
};
const messagesResponse = {
  id: 'msg_9x',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hello!' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 9, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
};

/** Request and answer examples by provider path. */
export const PROXY_EXAMPLES: Record<string, { request?: unknown; response: unknown }> = {
  'openai /v1/chat/completions': { request: chatRequest, response: chatResponse },
  'openai /v1/responses': { request: responsesRequest, response: responsesResponse },
  'openai /v1/embeddings': { request: embeddingsRequest, response: embeddingsResponse },
  'openai /v1/completions': { request: completionsRequest, response: completionsResponse },
  'openai /v1/models': { response: modelsResponse },
  'anthropic /v1/messages': { request: messagesRequest, response: messagesResponse },
};

export const openaiError = {
  error: {
    message: 'Tally: budget "team-monthly" is used up (100.02 of 100 cost_usd); it resets at 2026-02-01T00:00:00.000Z',
    type: 'rate_limit_error',
    param: null,
    code: 'budget_exceeded',
  },
};
export const anthropicError = {
  type: 'error',
  error: { type: 'authentication_error', message: 'Tally: the x-tally-key header is required' },
};
