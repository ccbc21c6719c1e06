import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../test/fake-upstream.js';
import { collect, freshFiles } from '../test/wrap-helpers.js';
import type { FakeUpstream, Reply } from '../test/fake-upstream.js';
import { shutdown, wrapOpenAI } from './index.js';

const run = promisify(execFile);
const MODEL = 'gpt-4o-2024-08-06';
const CHAT_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1000 },
  completion_tokens_details: { reasoning_tokens: 0 },
};
const RESPONSES_USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 200 },
  output_tokens: 500,
  output_tokens_details: { reasoning_tokens: 100 },
  total_tokens: 1500,
};

const chatChunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: MODEL,
  choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  usage: null,
});

const response = (status: string, usage: unknown, text: string) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1_700_000_000,
  status,
  model: MODEL,
  output: text
    ? [
        {
          type: 'message',
          id: 'msg_1',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text, annotations: [] }],
        },
      ]
    : [],
  usage,
});

function route(path: string, body: Record<string, unknown>): Reply | undefined {
  if (body.model === 'boom')
    return { status: 500, json: { error: { message: 'upstream exploded', type: 'server_error' } } };
  if (path === '/v1/chat/completions' && body.stream !== true) {
    return {
      json: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: MODEL,
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, finish_reason: 'stop' },
        ],
        usage: CHAT_USAGE,
      },
    };
  }
  if (path === '/v1/chat/completions') {
    return {
      sse: [
        { data: chatChunk({ role: 'assistant', content: '' }) },
        { data: chatChunk({ content: 'Hello' }) },
        { data: chatChunk({ content: ' there' }) },
        { data: chatChunk({}, 'stop') },
        { data: { ...chatChunk({}), choices: [], usage: CHAT_USAGE } },
        { data: '[DONE]' },
      ],
    };
  }
  if (path === '/v1/responses' && body.stream !== true) return { json: response('completed', RESPONSES_USAGE, 'Hi') };
  if (path === '/v1/responses') {
    const delta = (d: string, n: number) => ({
      type: 'response.output_text.delta',
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      delta: d,
      sequence_number: n,
    });
    return {
      sse: [
        {
          event: 'response.created',
          data: { type: 'response.created', sequence_number: 0, response: response('in_progress', null, '') },
        },
        { event: 'response.output_text.delta', data: delta('H', 1) },
        { event: 'response.output_text.delta', data: delta('i', 2) },
        {
          event: 'response.completed',
          data: {
            type: 'response.completed',
            sequence_number: 3,
            response: response('completed', RESPONSES_USAGE, 'Hi'),
          },
        },
      ],
    };
  }
  return undefined;
}

let upstream: FakeUpstream;
let dir: string;
const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url}/v1`, maxRetries: 0 });

const freshFile = freshFiles(() => dir, 'openai');

beforeAll(async () => {
  upstream = await startFakeUpstream(route);
  dir = await mkdtemp(join(tmpdir(), 'tally-wrap-openai-'));
});
afterAll(async () => {
  await shutdown();
  await upstream?.close();
  await rm(dir, { recursive: true, force: true });
});

const who = { user_id: 'u1', session_id: 's1', agent_name: 'support-bot' };

describe('wrapOpenAI', () => {
  it('chat: returns what the client returns and records tokens (cached inside input) and cost', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.2 };
    const expected = await client().chat.completions.create(params);
    const wrapped = wrapOpenAI(client(), who);
    const pending = wrapped.chat.completions.create(params);
    expect(typeof pending.withResponse).toBe('function');
    expect(await pending).toEqual(expected);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      provider: 'openai',
      model: MODEL,
      endpoint: '/v1/chat/completions',
      stream: false,
      temperature: 0.2,
      input_tokens: 1200,
      output_tokens: 300,
      total_tokens: 1500,
      cache_read_tokens: 1000,
      cost_source: 'computed',
      ...who,
    });
    expect(line.cost_usd).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeUndefined();
  });

  it('chat: a caller who reads the raw response can still read its body', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
    const raw = await wrapOpenAI(client()).chat.completions.create(params).asResponse();
    expect(await raw.json()).toMatchObject({ model: MODEL, usage: CHAT_USAGE });
    const { data } = await wrapOpenAI(client()).chat.completions.create(params).withResponse();
    expect(data.model).toBe(MODEL);
    const all = await lines();
    expect(all).toHaveLength(1); // the raw read is not parsed, so only the withResponse() call has a line
    expect(all[0]).toMatchObject({ status: 'success', input_tokens: 1200 });
  });

  it('chat stream: the caller gets every chunk; usage comes from the final chunk, with ttft', async () => {
    const lines = freshFile();
    const params = {
      model: 'gpt-4o',
      messages: [{ role: 'user' as const, content: 'hi' }],
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const expected = await collect(await client().chat.completions.create(params));
    const stream = await wrapOpenAI(client(), who).chat.completions.create(params);
    expect(await lines().catch(() => [])).toEqual([]); // nothing recorded until the caller has read the stream
    const got = await collect(stream);
    expect(got).toEqual(expected);
    expect(got).toHaveLength(5);
    const [line] = await lines();
    expect(line).toMatchObject({
      status: 'success',
      stream: true,
      model: MODEL,
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_tokens: 1000,
      cost_source: 'computed',
    });
    expect(line.cost_usd).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('chat stream split with tee(): both branches get every chunk and the call is recorded once', async () => {
    const lines = freshFile();
    const stream = await wrapOpenAI(client()).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const [a, b] = stream.tee();
    const [left, right] = await Promise.all([collect(a), collect(b)]);
    expect(left).toHaveLength(5);
    expect(right).toEqual(left);
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'success', input_tokens: 1200, output_tokens: 300 });
  });

  it('chat stream abandoned by the caller: recorded as cancelled once', async () => {
    const lines = freshFile();
    const stream = await wrapOpenAI(client()).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: 'cancelled', stream: true, model: MODEL });
    expect(all[0].ttft_ms).toBeGreaterThan(0);
  });

  it('a stream dropped unread is recorded as cancelled once it is collected', async () => {
    const name = 'dropped.jsonl';
    const child = join(fileURLToPath(new URL('.', import.meta.url)), '../test/dropped-stream-child.ts');
    await run(process.execPath, ['--expose-gc', '--import', 'tsx', child, dir, name], { timeout: 20_000 });
    const [line, ...rest] = (await readFile(join(dir, name), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ status: 'cancelled', stream: true, model: 'gpt-4o' });
  });

  it('responses: returns what the client returns and records tokens and reasoning', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', input: 'hi', max_output_tokens: 800 };
    const expected = await client().responses.create(params);
    const got = await wrapOpenAI(client(), who).responses.create(params);
    expect(got).toEqual(expected);
    expect(got.output_text).toBe('Hi');
    const [line] = await lines();
    expect(line).toMatchObject({
      status: 'success',
      endpoint: '/v1/responses',
      stream: false,
      model: MODEL,
      max_tokens: 800,
      input_tokens: 1000,
      output_tokens: 500,
      cache_read_tokens: 200,
      reasoning_tokens: 100,
      cost_source: 'computed',
      ...who,
    });
    expect(line.cost_usd).toBeGreaterThan(0);
  });

  it('responses stream: usage from response.completed, with ttft', async () => {
    const lines = freshFile();
    const params = { model: 'gpt-4o', input: 'hi', stream: true as const };
    const expected = await collect(await client().responses.create(params));
    const got = await collect(await wrapOpenAI(client()).responses.create(params));
    expect(got).toEqual(expected);
    expect(got.map((e) => e.type)).toEqual([
      'response.created',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.completed',
    ]);
    const [line] = await lines();
    expect(line).toMatchObject({
      status: 'success',
      stream: true,
      endpoint: '/v1/responses',
      model: MODEL,
      input_tokens: 1000,
      output_tokens: 500,
      reasoning_tokens: 100,
      cost_source: 'computed',
    });
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('an upstream 500: the client error is rethrown unchanged and an error line is recorded', async () => {
    const lines = freshFile();
    const plain = await client()
      .chat.completions.create({ model: 'boom', messages: [] })
      .catch((e: unknown) => e);
    const thrown = await wrapOpenAI(client())
      .chat.completions.create({ model: 'boom', messages: [] })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OpenAI.InternalServerError);
    expect(thrown).toEqual(plain);
    expect((thrown as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    const [line] = await lines();
    expect(line).toMatchObject({
      status: 'error',
      provider: 'openai',
      model: 'boom',
      error_type: 'InternalServerError',
      error_message: (thrown as Error).message,
    });
    expect(line.error_message).toContain('upstream exploded');
  });
});
