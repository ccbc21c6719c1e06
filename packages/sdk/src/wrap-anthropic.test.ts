import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { MODEL, anthropicRoute } from '../test/anthropic-upstream.js';
import { collect, useUpstream } from '../test/wrap-helpers.js';
import { wrapAnthropic } from './index.js';

const upstream = useUpstream(anthropicRoute, 'anthropic');
const freshFile = upstream.freshFile;
const client = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: upstream.url(), maxRetries: 0 });

const who = { user_id: 'u1', session_id: 's1', agent_name: 'support-bot' };
const params = { model: 'claude-opus-4-5', max_tokens: 1024, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('wrapAnthropic', () => {
  it('messages: returns what the client returns and records cache tokens inside input, and cost', async () => {
    const lines = freshFile();
    const expected = await client().messages.create(params);
    const pending = wrapAnthropic(client(), who).messages.create(params);
    expect(typeof pending.withResponse).toBe('function');
    expect(await pending).toEqual(expected);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      provider: 'anthropic',
      endpoint: '/v1/messages',
      stream: false,
      model: MODEL,
      max_tokens: 1024,
      input_tokens: 1300,
      output_tokens: 50,
      total_tokens: 1350,
      cache_read_tokens: 1000,
      cache_write_tokens: 200,
      cost_source: 'computed',
      ...who,
    });
    expect(line.cost_usd).toBeGreaterThan(0);
  });

  it('messages stream: every event reaches the caller; usage from message_start and the last message_delta', async () => {
    const lines = freshFile();
    const streamed = { ...params, stream: true as const };
    const expected = await collect(await client().messages.create(streamed));
    const got = await collect(await wrapAnthropic(client(), who).messages.create(streamed));
    expect(got).toEqual(expected);
    expect(got.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_delta',
      'message_stop',
    ]);
    const [line] = await lines();
    expect(line).toMatchObject({
      status: 'success',
      stream: true,
      model: MODEL,
      input_tokens: 1300,
      output_tokens: 50,
      cache_read_tokens: 1000,
      cache_write_tokens: 200,
      cost_source: 'computed',
      ...who,
    });
    expect(line.cost_usd).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('messages.stream(): the helper gets every event; one line with tokens and ttft', async () => {
    const lines = freshFile();
    const expected = await client().messages.stream(params).finalMessage();
    const stream = wrapAnthropic(client(), who).messages.stream(params);
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(final).toEqual(expected);
    expect(texts.join('')).toBe('Hi there');
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      stream: true,
      model: MODEL,
      input_tokens: 1300,
      output_tokens: 50,
      cache_read_tokens: 1000,
      cache_write_tokens: 200,
      ...who,
    });
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('messages.stream() aborted by the caller: one cancelled line', async () => {
    const lines = freshFile();
    const stream = wrapAnthropic(client()).messages.stream(params);
    stream.on('text', () => stream.abort());
    await stream.done().catch(() => undefined);
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'cancelled', stream: true });
  });

  it('messages.parse(): returns what the client returns; one line with tokens', async () => {
    const lines = freshFile();
    const expected = await client().messages.parse(params);
    const got = await wrapAnthropic(client(), who).messages.parse(params);
    expect(got).toEqual(expected);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ status: 'success', stream: false, model: MODEL, input_tokens: 1300, ...who });
  });

  it('an upstream 500: the client error is rethrown unchanged and an error line is recorded', async () => {
    const lines = freshFile();
    const plain = await client()
      .messages.create({ ...params, model: 'boom' })
      .catch((e: unknown) => e);
    const thrown = await wrapAnthropic(client())
      .messages.create({ ...params, model: 'boom' })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Anthropic.InternalServerError);
    expect(thrown).toEqual(plain);
    const [line] = await lines();
    expect(line).toMatchObject({
      status: 'error',
      provider: 'anthropic',
      model: 'boom',
      error_type: 'InternalServerError',
      error_message: (thrown as Error).message,
    });
    expect(line.error_message).toContain('upstream exploded');
  });
});
