// Anthropic's wire format for the fake upstream: messages, plain and streamed.
import type { Reply } from './fake-upstream.js';

export const MODEL = 'claude-sonnet-4-5-20250929';
// Anthropic's input_tokens excludes cache tokens: Tally's input is 100 + 200 + 1000 = 1300.
export const USAGE = {
  input_tokens: 100,
  cache_creation_input_tokens: 200,
  cache_read_input_tokens: 1000,
  output_tokens: 50,
};

export const message = (content: unknown[], usage: unknown) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content,
  stop_reason: content.length > 0 ? 'end_turn' : null,
  stop_sequence: null,
  usage,
});

const delta = (text: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });

/** Routes a request to Anthropic's answer; a model named `boom` gets a 500. */
export function anthropicRoute(path: string, body: Record<string, unknown>): Reply | undefined {
  if (path !== '/v1/messages') return undefined;
  if (body.model === 'boom') {
    return { status: 500, json: { type: 'error', error: { type: 'api_error', message: 'upstream exploded' } } };
  }
  if (body.stream !== true) return { json: message([{ type: 'text', text: 'Hi there' }], USAGE) };
  const events: Record<string, unknown>[] = [
    { type: 'message_start', message: message([], { ...USAGE, output_tokens: 1 }) },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    delta('Hi'),
    delta(' there'),
    { type: 'content_block_stop', index: 0 },
    // Cumulative counts: the last delta wins (30 then 50 is 50, not 80).
    { type: 'message_delta', delta: { stop_reason: null, stop_sequence: null }, usage: { output_tokens: 30 } },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 50 } },
    { type: 'message_stop' },
  ];
  return { sse: events.map((data) => ({ event: data.type as string, data })) };
}
