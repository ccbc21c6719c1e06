import OpenAI from 'openai';
import { LengthFinishReasonError } from 'openai/error';
import { describe, expect, it } from 'vitest';
import { MODEL, openaiRoute } from '../test/openai-upstream.js';
import { useUpstream } from '../test/wrap-helpers.js';
import { wrapOpenAI } from './index.js';

// The `openai` client's helpers build on create(): each call must still give exactly one line.
const upstream = useUpstream(openaiRoute, 'openai-helpers');
const freshFile = upstream.freshFile;
const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url()}/v1`, maxRetries: 0 });

const who = { user_id: 'u1', agent_name: 'support-bot' };
const messages = [{ role: 'user' as const, content: 'What is 2+2?' }];
const schema = {
  type: 'object',
  properties: { answer: { type: 'number' } },
  required: ['answer'],
  additionalProperties: false,
};
const chatFormat = { type: 'json_schema' as const, json_schema: { name: 'answer', schema, strict: true } };
const textFormat = { format: { type: 'json_schema' as const, name: 'answer', schema, strict: true } };
const chatTokens = { input_tokens: 1200, output_tokens: 300, cache_read_tokens: 1000 };
const responsesTokens = { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 200, reasoning_tokens: 100 };

describe('wrapOpenAI: the client helpers', () => {
  it('chat.completions.stream(): the helper gets every chunk; one line with tokens and ttft', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', messages, stream_options: { include_usage: true } };
    const expected = await client().chat.completions.stream(params).finalChatCompletion();
    const stream = wrapOpenAI(client(), who).chat.completions.stream(params);
    const texts: string[] = [];
    stream.on('content', (delta) => texts.push(delta));
    const final = await stream.finalChatCompletion();
    expect(final).toEqual(expected);
    expect(texts.join('')).toBe('Hello there');
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      stream: true,
      endpoint: '/v1/chat/completions',
      model: MODEL,
      ...chatTokens,
      cost_source: 'computed',
      ...who,
    });
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('chat.completions.parse(): the parsed answer comes back and one line is written with tokens', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', messages, response_format: chatFormat };
    const expected = await client().chat.completions.parse(params);
    const got = await wrapOpenAI(client(), who).chat.completions.parse(params);
    expect(got).toEqual(expected);
    expect(got.choices[0]?.message.parsed).toEqual({ answer: 4 });
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ status: 'success', stream: false, model: MODEL, ...chatTokens, ...who });
    expect(line.cost_usd).toBeGreaterThan(0);
  });

  it('chat.completions.parse() rejecting a cut-short answer: the same error, and its tokens are still counted', async () => {
    const lines = freshFile();
    const params = { model: 'cut-short', messages, response_format: chatFormat };
    const plain = await client()
      .chat.completions.parse(params)
      .catch((e: unknown) => e);
    const thrown = await wrapOpenAI(client())
      .chat.completions.parse(params)
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(LengthFinishReasonError);
    expect(thrown).toEqual(plain);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ status: 'error', error_type: 'LengthFinishReasonError', model: MODEL, ...chatTokens });
    expect(line.cost_usd).toBeGreaterThan(0);
  });

  it('chat.completions.parse().withResponse(): data and response, one line', async () => {
    const lines = freshFile();
    const { data, response } = await wrapOpenAI(client())
      .chat.completions.parse({ model: 'gpt-4o', messages, response_format: chatFormat })
      .withResponse();
    expect(data.choices[0]?.message.parsed).toEqual({ answer: 4 });
    expect(response.status).toBe(200);
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'success', ...chatTokens });
  });

  it('responses.parse(): the parsed output comes back and one line is written with tokens', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', input: 'What is 2+2?', text: textFormat };
    const expected = await client().responses.parse(params);
    const got = await wrapOpenAI(client(), who).responses.parse(params);
    expect(got).toEqual(expected);
    expect(got.output_parsed).toEqual({ answer: 4 });
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      stream: false,
      endpoint: '/v1/responses',
      model: MODEL,
      ...responsesTokens,
      ...who,
    });
  });

  it('responses.stream(): the helper gets every event; one line with tokens and ttft', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', input: 'hi' };
    const expected = await client().responses.stream(params).finalResponse();
    const stream = wrapOpenAI(client(), who).responses.stream(params);
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    expect(await stream.finalResponse()).toEqual(expected);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      stream: true,
      endpoint: '/v1/responses',
      model: MODEL,
      ...responsesTokens,
      ...who,
    });
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('chat.completions.stream() aborted by the caller: one cancelled line', async () => {
    const lines = freshFile();
    const stream = wrapOpenAI(client()).chat.completions.stream({ model: 'gpt-4o', messages });
    stream.on('content', () => stream.abort());
    await stream.done().catch(() => undefined);
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'cancelled', stream: true });
  });
});
