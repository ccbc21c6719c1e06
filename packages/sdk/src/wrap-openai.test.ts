import { readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, openaiRoute } from '../test/openai-upstream.js';
import { collect, useUpstream } from '../test/wrap-helpers.js';
import { configure, flush, stats, wrapOpenAI } from './index.js';

const run = promisify(execFile);
const upstream = useUpstream(openaiRoute, 'openai');
const freshFile = upstream.freshFile;
const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url()}/v1`, maxRetries: 0 });

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
      operation: 'chat',
      api_type: 'generative',
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
    await run(process.execPath, ['--expose-gc', '--import', 'tsx', child, upstream.dir(), name], {
      timeout: 20_000,
    });
    const [line, ...rest] = (await readFile(join(upstream.dir(), name), 'utf8'))
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
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
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

  it('a tracking file that cannot be written: the caller still gets every result, and nothing is thrown', async () => {
    const notADir = join(upstream.dir(), 'not-a-dir');
    await writeFile(notADir, 'x');
    const errors: unknown[] = [];
    configure({ dir: notADir, file: 'calls.jsonl', onError: (e) => errors.push(e) });
    const before = stats().errors;
    const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
    const wrapped = wrapOpenAI(client());
    expect(await wrapped.chat.completions.create(params)).toEqual(await client().chat.completions.create(params));
    const streamed = { ...params, stream: true as const, stream_options: { include_usage: true } };
    expect(await collect(await wrapped.chat.completions.create(streamed))).toHaveLength(5);
    expect(await (await wrapped.chat.completions.create(params).asResponse()).json()).toMatchObject({ model: MODEL });
    await flush();
    expect(stats().errors).toBeGreaterThan(before);
    expect(errors.length).toBeGreaterThan(0);
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
