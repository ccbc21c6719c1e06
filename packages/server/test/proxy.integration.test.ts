import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE as ANTHROPIC_USAGE } from '../../sdk/test/anthropic-upstream.js';
import { CHAT_USAGE, MODEL, VECTOR } from '../../sdk/test/openai-upstream.js';
import { startTestServer, type TestServer } from './helpers.js';
import { ANTHROPIC_KEY, OPENAI_KEY, anthropicVia, keyId, makeProject, openaiVia, recorded } from './proxy-helpers.js';
import { RAW_CHAT_ANSWER, startProxyUpstream, type ProxyUpstream } from './proxy-upstream.js';

/**
 * The recording proxy with the real `openai` and `@anthropic-ai/sdk` clients, a real Tally server and a local
 * stand-in for the providers: what the client gets, what the upstream gets, and what Tally records.
 */
let upstream: ProxyUpstream;
let s: TestServer;
let keys: { ingest: string; read: string };

beforeAll(async () => {
  upstream = await startProxyUpstream();
  s = await startTestServer({ TALLY_UPSTREAM_OPENAI: `${upstream.url}/v1`, TALLY_UPSTREAM_ANTHROPIC: upstream.url });
  keys = await makeProject(s, 'proxied');
});
afterAll(async () => {
  await s.stop();
  await upstream.close();
});

const headers = (session: string, extra: Record<string, string> = {}) => ({
  'x-tally-key': keys.ingest,
  'x-tally-session': session,
  ...extra,
});
const calls = (session: string, count: number) => recorded(s, keys.read, session, count);
const lastReceived = () => upstream.received.at(-1)!;

describe('OpenAI format', () => {
  it('forwards a chat completion and records it field by field', async () => {
    const client = openaiVia(
      s,
      headers('chat-plain', {
        'x-tally-user': 'alice',
        'x-tally-agent': 'support-bot',
        'x-tally-agent-version': '1.2.0',
        'x-tally-tags': 'beta, eu,beta',
      }),
    );
    const messages = [
      { role: 'system' as const, content: 'Be brief' },
      { role: 'user' as const, content: 'Hello?' },
    ];
    const started = Date.now();
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages, temperature: 0.2, max_tokens: 50 });
    expect(r.choices[0]?.message.content).toBe('Hello there');
    expect(r.usage).toEqual(CHAT_USAGE);

    const sent = lastReceived();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(Object.keys(sent.headers).filter((h) => h.startsWith('x-tally-'))).toEqual([]);
    expect(JSON.parse(sent.raw)).toEqual({ model: 'gpt-4o', messages, temperature: 0.2, max_tokens: 50 });

    const [e] = await calls('chat-plain', 1);
    expect(e).toMatchObject({
      project_id: 'proxied',
      provider: 'openai',
      model: MODEL,
      api_type: 'generative',
      operation: 'chat',
      endpoint: '/v1/chat/completions',
      method: 'POST',
      stream: false,
      input_tokens: 1200,
      output_tokens: 300,
      total_tokens: 1500,
      cache_read_tokens: 1000,
      reasoning_tokens: 0,
      cost_source: 'computed',
      status: 'success',
      status_code: 200,
      error_type: null,
      error_message: null,
      user_id: 'alice',
      session_id: 'chat-plain',
      agent_name: 'support-bot',
      agent_version: '1.2.0',
      tags: ['beta', 'eu'],
      temperature: 0.2,
      max_tokens: 50,
      message_count: 2,
      request_bytes: Buffer.byteLength(sent.raw),
      ttft_ms: null,
      api_key_id: keyId(OPENAI_KEY),
      api_key_label: `sk-…${OPENAI_KEY.slice(-4)}`,
      client_ip: '127.0.0.1',
      backend: new URL(upstream.url).host,
      upstream_mode: 'chat',
      input_text: JSON.stringify(messages),
      output_text: 'Hello there',
      ingest_source: 'proxy',
      metadata: { requested_model: 'gpt-4o', auth_method: 'bearer' },
    });
    expect(e.user_agent).toMatch(/^OpenAI\/JS /);
    expect(e.cost_usd).toBeGreaterThan(0);
    expect(e.response_bytes).toBeGreaterThan(200);
    expect(e.timestamp).toBeGreaterThanOrEqual(started);
    expect(e.upstream_ms).toBeGreaterThan(0);
    expect(e.duration_ms).toBeGreaterThanOrEqual(e.upstream_ms);
  });

  it('passes bodies through byte for byte, both ways, with the upstream’s status and headers', async () => {
    const body = '{"model":  "raw",\n "messages": [ {"role":"user","content":"é ✓"} ] }';
    const r = await fetch(`${s.url}/proxy/openai/v1/chat/completions?trace=1`, {
      method: 'POST',
      headers: { ...headers('raw'), 'content-type': 'application/json', authorization: `Bearer ${OPENAI_KEY}` },
      body,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-upstream')).toBe('raw');
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.text()).toBe(RAW_CHAT_ANSWER);
    expect(lastReceived().raw).toBe(body);
    expect(lastReceived().path).toBe('/v1/chat/completions?trace=1');
    const [e] = await calls('raw', 1);
    expect(e).toMatchObject({
      model: MODEL,
      input_tokens: 7,
      output_tokens: 2,
      request_bytes: Buffer.byteLength(body),
      response_bytes: Buffer.byteLength(RAW_CHAT_ANSWER),
      output_text: 'raw bytes',
    });
  });

  it('streams a chat completion and records the usage of its final chunk (include_usage)', async () => {
    const client = openaiVia(s, headers('chat-stream'));
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      usage = c.usage ?? usage;
    }
    expect(text).toBe('Hello there');
    expect(usage).toEqual(CHAT_USAGE);
    const [e] = await calls('chat-stream', 1);
    expect(e).toMatchObject({
      stream: true,
      model: MODEL,
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_tokens: 1000,
      status: 'success',
      status_code: 200,
      output_text: 'Hello there',
      upstream_mode: 'chat',
    });
    expect(e.ttft_ms).toBeGreaterThan(0);
    expect(e.ttft_ms).toBeLessThanOrEqual(e.duration_ms);
  });

  it('never adds stream_options to a request that did not ask for usage', async () => {
    const client = openaiVia(s, headers('no-usage-option'));
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true });
    for await (const c of stream) void c;
    expect(JSON.parse(lastReceived().raw)).toEqual({ model: 'gpt-4o', messages: [], stream: true });
    await calls('no-usage-option', 1);
  });

  it('relays each streamed chunk as it arrives, not when the upstream finishes', async () => {
    const client = openaiVia(s, headers('held'));
    const stream = await client.chat.completions.create({ model: 'held', messages: [], stream: true });
    const it = stream[Symbol.asyncIterator]();
    // The upstream sent one chunk and waits; a buffering proxy would never deliver it.
    expect((await it.next()).value?.choices[0]?.delta.content).toBe('first');
    upstream.release();
    expect((await it.next()).value?.choices[0]?.delta.content).toBe(' second');
    expect((await it.next()).done).toBe(true);
    const [e] = await calls('held', 1);
    expect(e).toMatchObject({ stream: true, status: 'success', output_text: 'first second', input_tokens: null });
  });

  it('records the Responses API, plain and streamed', async () => {
    const client = openaiVia(s, headers('responses'));
    expect((await client.responses.create({ model: 'gpt-4o', input: 'Hi' })).output_text).toBe('Hi');
    const stream = await client.responses.create({
      model: 'gpt-4o',
      input: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');
    const [plain, streamed] = await calls('responses', 2);
    for (const e of [plain, streamed]) {
      expect(e).toMatchObject({
        endpoint: '/v1/responses',
        upstream_mode: 'responses',
        model: MODEL,
        input_tokens: 1000,
        output_tokens: 500,
        total_tokens: 1500,
        cache_read_tokens: 200,
        reasoning_tokens: 100,
        output_text: 'Hi',
        status: 'success',
      });
    }
    expect([plain.stream, plain.message_count, plain.input_text]).toEqual([false, 1, 'Hi']);
    expect([streamed.stream, streamed.message_count]).toEqual([true, 1]);
    expect(streamed.ttft_ms).toBeGreaterThan(0);
  });

  it('records embeddings and legacy completions; passes the model list through unrecorded', async () => {
    const client = openaiVia(s, headers('embeddings'));
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o']);
    const emb = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['first', 'second'] });
    expect(emb.data[0]?.embedding).toEqual(VECTOR);
    const done = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once' });
    expect(done.choices[0]?.text).toBe('Once upon a time');
    const [e, c] = await calls('embeddings', 2);
    expect(e).toMatchObject({
      endpoint: '/v1/embeddings',
      upstream_mode: 'embeddings',
      api_type: 'embedding',
      operation: 'embeddings',
      model: 'text-embedding-3-small',
      input_tokens: 8,
      output_tokens: null,
      total_tokens: 8,
      message_count: 2,
      output_text: null,
    });
    expect(c).toMatchObject({
      endpoint: '/v1/completions',
      upstream_mode: 'completions',
      operation: 'text_completion',
      input_tokens: 40,
      output_tokens: 12,
      output_text: 'Once upon a time',
      input_text: 'Once',
    });
  });
});

describe('Anthropic format', () => {
  it('forwards messages, plain and streamed, and counts cache tokens into the input', async () => {
    const client = anthropicVia(s, headers('anthropic', { 'x-tally-user': 'bob' }));
    const request = {
      model: 'claude-opus-4-5',
      max_tokens: 100,
      system: 'Be brief',
      messages: [{ role: 'user' as const, content: 'Hi' }],
    };
    const m = await client.messages.create(request);
    expect(m.content[0]).toMatchObject({ type: 'text', text: 'Hi there' });
    const sent = lastReceived();
    expect(sent.path).toBe('/v1/messages');
    // The client sends its key as x-api-key or, in recent versions, as a bearer token; either passes through.
    expect(sent.headers['x-api-key'] ?? sent.headers.authorization?.replace(/^Bearer /, '')).toBe(ANTHROPIC_KEY);
    expect(sent.headers['anthropic-version']).toBeTruthy();

    let text = '';
    for await (const ev of await client.messages.create({ ...request, stream: true })) {
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    }
    expect(text).toBe('Hi there');
    const final = await client.messages.stream(request).finalMessage();
    expect(final.usage.output_tokens).toBe(50);

    const events = await calls('anthropic', 3);
    for (const e of events) {
      expect(e).toMatchObject({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929',
        endpoint: '/v1/messages',
        upstream_mode: 'messages',
        // Anthropic's input_tokens leaves the cache out; Tally's input is the whole prompt.
        input_tokens: ANTHROPIC_USAGE.input_tokens + 200 + 1000,
        output_tokens: 50,
        cache_read_tokens: 1000,
        cache_write_tokens: 200,
        max_tokens: 100,
        message_count: 1,
        user_id: 'bob',
        api_key_id: keyId(ANTHROPIC_KEY),
        api_key_label: `sk-…${ANTHROPIC_KEY.slice(-4)}`,
        input_text: JSON.stringify({ system: request.system, messages: request.messages }),
        output_text: 'Hi there',
        status: 'success',
        metadata: {
          requested_model: 'claude-opus-4-5',
          auth_method: sent.headers['x-api-key'] ? 'x-api-key' : 'bearer',
        },
      });
      expect(e.user_agent).toMatch(/^Anthropic\/JS /);
    }
    expect(events.map((e) => e.stream)).toEqual([false, true, true]);
    expect(events[1].ttft_ms).toBeGreaterThan(0);
  });
});
