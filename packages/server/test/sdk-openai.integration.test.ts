import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configure, flush, shutdown, wrapOpenAI } from '@tally/sdk';
import { startFakeUpstream, type FakeUpstream, type Reply } from '../../sdk/test/fake-upstream.js';
import { startTestServer, tempDir, type TestServer } from './helpers.js';

/**
 * The whole path an application takes: the real `openai` client, wrapped by the SDK, talking to a local stand-in
 * for the provider; the SDK's HTTP sink sending the calls to a real Tally server, which is stopped in the middle
 * of the run and started again.
 */
const MODEL = 'gpt-4o-2024-08-06';
const USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1000 },
};
const chunk = (delta: Record<string, unknown>, usage: unknown = null, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: MODEL,
  choices: usage ? [] : [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  usage,
});

function route(path: string, body: Record<string, unknown>): Reply | undefined {
  if (path !== '/v1/chat/completions') return undefined;
  if (body.stream !== true) {
    return {
      json: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, finish_reason: 'stop' }],
        usage: USAGE,
      },
    };
  }
  return {
    sse: [
      { data: chunk({ role: 'assistant', content: '' }) },
      { data: chunk({ content: 'Hel' }) },
      { data: chunk({ content: 'lo' }, null, 'stop') },
      { data: chunk({}, USAGE) },
      { data: '[DONE]' },
    ],
  };
}

const FAST = { batchSize: 5, flushIntervalMs: 20, replayIntervalMs: 100, maxRetries: 2, baseDelayMs: 10 };
let upstream: FakeUpstream;
let first: TestServer;
let second: TestServer | undefined;

beforeAll(async () => {
  upstream = await startFakeUpstream(route);
  first = await startTestServer();
});
afterAll(async () => {
  await shutdown();
  await second?.stop();
  await upstream.close();
});

async function calls(s: TestServer): Promise<any[]> {
  return (await s.call('GET', '/api/v1/analytics/events?from=0&limit=1000')).body.events;
}

it('records wrapped OpenAI calls, plain and streaming, at a Tally server, and loses none while it is down', async () => {
  configure({ url: first.url, dir: tempDir(), http: FAST });
  const client = wrapOpenAI(new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'sk-test', maxRetries: 0 }), {
    user_id: 'alice',
    session_id: 's-1',
  });
  const ask = async (stream: boolean) => {
    if (!stream)
      return (await client.chat.completions.create({ model: 'gpt-4o', messages: [] })).choices[0]?.message.content;
    const s = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta.content ?? '';
    return text;
  };

  expect(await ask(false)).toBe('Hi');
  expect(await ask(true)).toBe('Hello');
  await flush();
  const [streamed, plain] = await calls(first);
  for (const e of [plain, streamed]) {
    expect(e).toMatchObject({
      provider: 'openai',
      model: MODEL,
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_tokens: 1000,
      user_id: 'alice',
      session_id: 's-1',
      status: 'success',
      cost_source: 'computed',
      ingest_source: 'sdk',
    });
    expect(e.cost_usd).toBeGreaterThan(0);
  }
  // Cached input is cheaper: the cost is below that of 1,200 uncached input tokens.
  const uncached = await first.call('POST', '/api/v1/ingest/llm', {
    body: {
      id: 'uncached',
      timestamp: plain.timestamp,
      provider: 'openai',
      model: MODEL,
      input_tokens: 1200,
      output_tokens: 300,
    },
  });
  expect(uncached.status).toBe(201);
  expect(plain.cost_usd).toBeLessThan((await first.call('GET', '/api/v1/events/uncached')).body.cost_usd);
  expect(streamed.stream).toBe(true);
  expect(streamed.ttft_ms).toBeGreaterThan(0);
  expect(streamed.ttft_ms).toBeLessThanOrEqual(streamed.duration_ms);

  // The server goes away in the middle of the run; the application carries on.
  const port = new URL(first.url).port;
  await first.stop();
  for (let i = 0; i < 6; i++) expect(await ask(i % 2 === 0)).toBe(i % 2 === 0 ? 'Hello' : 'Hi');
  await flush();
  second = await startTestServer({ TALLY_PORT: port }, first.dataDir);
  const deadline = Date.now() + 15_000;
  while ((await calls(second)).length < 9 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const all = await calls(second);
  expect(all).toHaveLength(9); // 2 + 6 wrapped calls, and the uncached reference
  expect(new Set(all.map((e) => e.id)).size).toBe(9);
  expect(all.filter((e) => e.stream === true)).toHaveLength(4);
});
