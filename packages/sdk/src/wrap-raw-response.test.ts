import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL as CLAUDE, anthropicRoute } from '../test/anthropic-upstream.js';
import { CHAT_USAGE, MODEL, openaiRoute } from '../test/openai-upstream.js';
import { useUpstream } from '../test/wrap-helpers.js';
import { wrapAnthropic, wrapOpenAI } from './index.js';

// One fake upstream answers both providers: their paths differ (/v1/chat/completions, /v1/messages).
const upstream = useUpstream((path, body) => openaiRoute(path, body) ?? anthropicRoute(path, body), 'raw');
const freshFile = upstream.freshFile;
const openai = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url()}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: upstream.url(), maxRetries: 0 });

const chat = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('a call read only through asResponse()', () => {
  it('JSON: the caller reads the whole body, and the line has status, duration and tokens', async () => {
    const lines = freshFile();
    const expected = await (await openai().chat.completions.create(chat).asResponse()).text();
    const raw = await wrapOpenAI(openai(), { user_id: 'u1' }).chat.completions.create(chat).asResponse();
    expect(raw.bodyUsed).toBe(false);
    expect(await raw.text()).toBe(expected);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      stream: false,
      model: MODEL,
      user_id: 'u1',
      input_tokens: CHAT_USAGE.prompt_tokens,
      output_tokens: CHAT_USAGE.completion_tokens,
      cost_source: 'computed',
    });
    expect(line.duration_ms).toBeGreaterThan(0);
  });

  it('a stream: the caller reads every event; the line has status and duration but no tokens', async () => {
    const lines = freshFile();
    const params = { ...chat, stream: true as const, stream_options: { include_usage: true } };
    const expected = await (await openai().chat.completions.create(params).asResponse()).text();
    const raw = await wrapOpenAI(openai()).chat.completions.create(params).asResponse();
    const text = await raw.text();
    expect(text).toBe(expected);
    expect(text).toContain('data: [DONE]');
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ status: 'success', stream: true, model: 'gpt-4o', endpoint: '/v1/chat/completions' });
    expect(line.input_tokens).toBeUndefined();
    expect(line.ttft_ms).toBeUndefined();
    expect(line.duration_ms).toBeGreaterThan(0);
  });

  it('an upstream 500: asResponse() rejects with the same error, and an error line is written', async () => {
    const lines = freshFile();
    const plain = await openai()
      .chat.completions.create({ ...chat, model: 'boom' })
      .asResponse()
      .catch((e: unknown) => e);
    const thrown = await wrapOpenAI(openai())
      .chat.completions.create({ ...chat, model: 'boom' })
      .asResponse()
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OpenAI.InternalServerError);
    expect(thrown).toEqual(plain);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ status: 'error', error_type: 'InternalServerError', model: 'boom' });
  });

  it('withResponse(), or asResponse() and the parsed body of one call: one line each, with tokens', async () => {
    const lines = freshFile();
    const client = wrapOpenAI(openai());
    const { data, response } = await client.chat.completions.create(chat).withResponse();
    expect(data.model).toBe(MODEL);
    expect(response.status).toBe(200);
    const pending = client.chat.completions.create(chat);
    const [raw, parsed] = await Promise.all([pending.asResponse(), pending]);
    expect(raw.status).toBe(200);
    expect(parsed.model).toBe(MODEL);
    const all = await lines();
    expect(all).toHaveLength(2);
    for (const line of all) expect(line).toMatchObject({ status: 'success', input_tokens: 1200, output_tokens: 300 });
  });

  it('Anthropic JSON: the caller reads the body; the line has the tokens, cache included in input', async () => {
    const lines = freshFile();
    const params = { model: 'claude-opus-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'hi' }] };
    const raw = await wrapAnthropic(anthropic()).messages.create(params).asResponse();
    expect(await raw.json()).toMatchObject({ model: CLAUDE, content: [{ type: 'text', text: 'Hi there' }] });
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      provider: 'anthropic',
      model: CLAUDE,
      input_tokens: 1300,
      output_tokens: 50,
      cache_read_tokens: 1000,
      cache_write_tokens: 200,
    });
  });
});
