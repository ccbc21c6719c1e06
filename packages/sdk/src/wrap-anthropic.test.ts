import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../test/fake-upstream.js';
import { collect, freshFiles } from '../test/wrap-helpers.js';
import type { FakeUpstream, Reply } from '../test/fake-upstream.js';
import { shutdown, wrapAnthropic } from './index.js';

const MODEL = 'claude-sonnet-4-5-20250929';
// Anthropic's input_tokens excludes cache tokens: Tally's input is 100 + 200 + 1000 = 1300.
const USAGE = { input_tokens: 100, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 50 };

const message = (content: unknown[], usage: unknown) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content,
  stop_reason: content.length > 0 ? 'end_turn' : null,
  stop_sequence: null,
  usage,
});

function route(path: string, body: Record<string, unknown>): Reply | undefined {
  if (path !== '/v1/messages') return undefined;
  if (body.model === 'boom') {
    return { status: 500, json: { type: 'error', error: { type: 'api_error', message: 'upstream exploded' } } };
  }
  if (body.stream !== true) return { json: message([{ type: 'text', text: 'Hi there' }], USAGE) };
  const delta = (text: string) => ({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text },
  });
  return {
    sse: [
      { event: 'message_start', data: { type: 'message_start', message: message([], { ...USAGE, output_tokens: 1 }) } },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      { event: 'ping', data: { type: 'ping' } },
      { event: 'content_block_delta', data: delta('Hi') },
      { event: 'content_block_delta', data: delta(' there') },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      // Cumulative counts: the last delta wins (30 then 50 is 50, not 80).
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: null, stop_sequence: null },
          usage: { output_tokens: 30 },
        },
      },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: 50 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ],
  };
}

let upstream: FakeUpstream;
let dir: string;
const client = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: upstream.url, maxRetries: 0 });

const freshFile = freshFiles(() => dir, 'anthropic');

beforeAll(async () => {
  upstream = await startFakeUpstream(route);
  dir = await mkdtemp(join(tmpdir(), 'tally-wrap-anthropic-'));
});
afterAll(async () => {
  await shutdown();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

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
