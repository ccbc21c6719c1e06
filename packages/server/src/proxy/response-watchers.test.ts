import { describe, expect, it } from 'vitest';
import { failureOf, watcherFor } from './response-watchers.js';

describe('response watchers', () => {
  it('takes the last cumulative Anthropic delta, keeping message_start counts a delta leaves out', () => {
    const w = watcherFor('messages', true);
    w.event({ type: 'message_start', message: { model: 'claude-x', usage: { input_tokens: 10, output_tokens: 1 } } });
    expect(w.event({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hi' } })).toBe(true);
    w.event({ type: 'message_delta', usage: { output_tokens: 30, input_tokens: null } });
    w.event({ type: 'message_delta', usage: { output_tokens: 50 } });
    expect(w.result()).toMatchObject({
      model: 'claude-x',
      usage: { input_tokens: 10, output_tokens: 50, total_tokens: 60 },
      outputText: 'Hi',
      error: null,
    });
  });

  it('reads errors inside streams: an OpenAI error chunk, a failed response, an Anthropic error event', () => {
    const chat = watcherFor('chat', false);
    chat.event({ error: { message: 'overloaded', type: 'server_error' } });
    expect(chat.result()).toMatchObject({ error: { type: 'server_error', message: 'overloaded' }, outputText: null });
    const responses = watcherFor('responses', true);
    responses.event({
      type: 'response.failed',
      response: { model: 'gpt-x', error: { code: 'server_error', message: 'failed midway' }, usage: null },
    });
    expect(responses.result()).toMatchObject({ model: 'gpt-x', error: { message: 'failed midway' } });
    const messages = watcherFor('messages', true);
    messages.event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(messages.result().error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
  });

  it('finds the message in the error bodies of OpenAI-compatible servers', () => {
    expect(failureOf({ error: { message: 'bad', code: 'invalid_model' } })).toEqual({
      type: 'invalid_model',
      message: 'bad',
    });
    expect(failureOf({ error: 'plain text' })).toEqual({ type: null, message: 'plain text' });
    expect(failureOf({ detail: [{ msg: 'field required' }] })).toEqual({
      type: null,
      message: '[{"msg":"field required"}]',
    });
    expect(failureOf({ object: 'error', message: 'vllm says no', type: 'BadRequestError' })).toEqual({
      type: 'BadRequestError',
      message: 'vllm says no',
    });
    expect(failureOf('not json')).toBeNull();
  });
});
