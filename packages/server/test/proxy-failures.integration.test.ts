import { APIError, AuthenticationError, InternalServerError, RateLimitError } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { CallEvent } from '@tally/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { BudgetGate, GateRequest } from '../src/budgets/budget-gate.js';
import { loadConfig } from '../src/config.js';
import { openTally, type OpenTally } from '../src/tally.js';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';
import { OPENAI_KEY, anthropicVia, keyId, makeProject, openaiVia, recorded } from './proxy-helpers.js';
import { startProxyUpstream, type ProxyUpstream } from './proxy-upstream.js';

/** What goes wrong between a client, the proxy and the upstream, and how each is answered and recorded. */
let upstream: ProxyUpstream;
let s: TestServer;
let keys: { ingest: string; read: string };

beforeAll(async () => {
  upstream = await startProxyUpstream();
  s = await startTestServer({
    TALLY_UPSTREAM_OPENAI: `${upstream.url}/v1`,
    TALLY_UPSTREAM_ANTHROPIC: upstream.url,
    TALLY_UPSTREAM_TIMEOUT_MS: '1500',
  });
  keys = await makeProject(s, 'failing');
});
afterAll(async () => {
  await s.stop();
  await upstream.close();
});

const headers = (session: string) => ({ 'x-tally-key': keys.ingest, 'x-tally-session': session });
const calls = (session: string, count: number) => recorded(s, keys.read, session, count);
const caught = async (p: Promise<unknown>): Promise<any> =>
  p.then(
    () => expect.fail('expected an error'),
    (e) => e,
  );

describe('upstream errors', () => {
  it('passes a 429 and a 500 to the client as the upstream sent them, and records both as errors', async () => {
    const client = openaiVia(s, headers('upstream-errors'));
    const limited = await caught(client.chat.completions.create({ model: 'limited', messages: [] }));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.message).toContain('slow down, please');
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-tally-error')).toBeNull();
    const boom = await caught(client.chat.completions.create({ model: 'boom', messages: [] }));
    expect(boom).toBeInstanceOf(InternalServerError);
    expect(boom.message).toContain('upstream exploded');
    const anthropicLimited = await caught(
      anthropicVia(s, headers('upstream-errors')).messages.create({ model: 'limited', max_tokens: 5, messages: [] }),
    );
    expect(anthropicLimited).toBeInstanceOf(Anthropic.RateLimitError);

    const [a, b, c] = await calls('upstream-errors', 3);
    expect(a).toMatchObject({
      model: 'limited',
      status: 'error',
      status_code: 429,
      error_type: 'requests',
      error_message: 'slow down, please',
      input_tokens: null,
      cost_source: 'unpriced',
    });
    expect(b).toMatchObject({
      status: 'error',
      status_code: 500,
      error_type: 'server_error',
      error_message: 'upstream exploded',
    });
    expect(c).toMatchObject({
      provider: 'anthropic',
      status: 'error',
      status_code: 429,
      error_type: 'rate_limit_error',
      error_message: 'slow down, please',
    });
  });

  it('answers 504 when the upstream is slower than TALLY_UPSTREAM_TIMEOUT_MS, and records a timeout', async () => {
    const client = openaiVia(s, headers('timeout'));
    const err = await caught(client.chat.completions.create({ model: 'slow', messages: [] }));
    expect(err).toBeInstanceOf(APIError);
    expect(err.status).toBe(504);
    expect(err.message).toContain('did not answer within 1500 ms (TALLY_UPSTREAM_TIMEOUT_MS)');
    expect(err.headers.get('x-tally-error')).toBe('upstream_timeout');
    const [e] = await calls('timeout', 1);
    expect(e).toMatchObject({ status: 'timeout', status_code: 504, error_type: 'upstream_timeout', model: 'slow' });
    expect(e.upstream_ms).toBeGreaterThanOrEqual(1500);
    expect(upstream.received.at(-1)!.aborted).toBe(true);
  });

  it('aborts the upstream request when the client hangs up mid-stream, and records the tokens seen so far', async () => {
    const client = anthropicVia(s, headers('hang-up'));
    const stream = await client.messages.create({
      model: 'endless',
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'Sing' }],
      stream: true,
    });
    let deltas = 0;
    for await (const ev of stream) if (ev.type === 'content_block_delta' && ++deltas === 3) break;
    const [e] = await calls('hang-up', 1);
    expect(e).toMatchObject({
      status: 'cancelled',
      status_code: 200,
      error_type: 'client_closed',
      stream: true,
      model: 'claude-sonnet-4-5-20250929',
      // message_start's usage: 100 + 200 cache writes + 1000 cache reads in, 1 out so far.
      input_tokens: 1300,
      output_tokens: 1,
    });
    expect(e.output_text).toMatch(/^(la ){3,}$/);
    const sent = upstream.received.at(-1)!;
    const deadline = Date.now() + 5000;
    while (!sent.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sent.aborted).toBe(true);
  });
});

describe('who may use the proxy', () => {
  it('answers 401 in each provider’s shape without a valid x-tally-key, and forwards nothing', async () => {
    const before = upstream.received.length;
    const openai = await caught(openaiVia(s, {}).chat.completions.create({ model: 'gpt-4o', messages: [] }));
    expect(openai).toBeInstanceOf(AuthenticationError);
    expect(openai.message).toContain('x-tally-key');
    expect(openai.error).toMatchObject({ type: 'authentication_error', code: 'unauthorized' });
    const wrong = await caught(
      openaiVia(s, { 'x-tally-key': 'tly_not-a-key' }).chat.completions.create({ model: 'gpt-4o', messages: [] }),
    );
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect(wrong.message).toContain('the x-tally-key is not a valid Tally API key');
    const anthropic = await caught(
      anthropicVia(s, {}).messages.create({ model: 'claude-opus-4-5', max_tokens: 5, messages: [] }),
    );
    expect(anthropic).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(anthropic.error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(upstream.received.length).toBe(before);
  });

  it('records into the default project without keys; answers 413 above the body limit, 502 when the upstream is down', async () => {
    const open = await startTestServer({ TALLY_UPSTREAM_OPENAI: 'http://127.0.0.1:9/v1', TALLY_BODY_LIMIT_MB: '0.01' });
    try {
      const big = await caught(
        openaiVia(open, {}).chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'x'.repeat(20_000) }],
        }),
      );
      expect(big.status).toBe(413);
      expect(big.error).toMatchObject({ code: 'payload_too_large' });
      expect(big.message).toContain('TALLY_BODY_LIMIT_MB');

      const client = openaiVia(open, { 'x-tally-session': 'down' });
      const err = await caught(client.chat.completions.create({ model: 'gpt-4o', messages: [] }));
      expect(err.status).toBe(502);
      expect(err.message).toContain('could not reach the upstream 127.0.0.1:9');
      expect(err.error).toMatchObject({ type: 'server_error', code: 'upstream_unreachable' });
      const [e] = await recorded(open, null, 'down', 1);
      expect(e).toMatchObject({
        project_id: 'default',
        status: 'error',
        status_code: 502,
        error_type: 'upstream_unreachable',
        backend: '127.0.0.1:9',
        api_key_id: keyId(OPENAI_KEY),
      });
    } finally {
      await open.stop();
    }
  });
});

describe('budgets, content capture and client addresses', () => {
  let tally: OpenTally;
  let app: FastifyInstance;
  let url: string;
  const asked: GateRequest[] = [];
  const settled: (CallEvent | null)[] = [];
  const resetsAt = Date.now() + 3_600_000;
  // A stand-in gate: the real budgets are tested with their own code; this one refuses gpt-4o.
  const gate: BudgetGate = {
    async admit(request) {
      asked.push(request);
      if (request.model === 'gpt-4o') {
        return {
          ok: false,
          refusal: {
            budgetId: 'bud_1',
            name: 'team-monthly',
            metric: 'cost_usd',
            limit: 100,
            used: 100.02,
            resetsAt,
            message: 'Raise the limit or wait for the next month.',
          },
        };
      }
      return { ok: true, admission: { settle: (call) => void settled.push(call) } };
    },
  };

  beforeAll(async () => {
    const config = loadConfig({
      TALLY_DATA_DIR: tempDir(),
      TALLY_LOG_LEVEL: 'silent',
      TALLY_ADMIN_TOKEN: ADMIN,
      TALLY_CAPTURE_POLICY: 'none',
      TALLY_UPSTREAM_OPENAI: `${upstream.url}/v1`,
      TALLY_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
    });
    tally = await openTally(config);
    app = await buildApp({ ...tally.ctx, budgetGate: gate }, { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await tally.close();
  });

  const server = () => ({ url }) as TestServer;

  it('answers 429 naming the budget and its reset when a hard budget refuses, without forwarding', async () => {
    const before = upstream.received.length;
    const client = openaiVia(server(), { 'x-tally-user': 'carol', 'x-tally-agent': 'planner' });
    const err = await caught(client.chat.completions.create({ model: 'gpt-4o', messages: [] }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.message).toContain('budget "team-monthly" is used up (100.02 of 100 cost_usd)');
    expect(err.message).toContain(`it resets at ${new Date(resetsAt).toISOString()}`);
    expect(err.error).toMatchObject({ code: 'budget_exceeded', budget: { id: 'bud_1', limit: 100 } });
    const retryAfter = Number(err.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(upstream.received.length).toBe(before);
    expect(asked.at(-1)).toEqual({
      projectId: 'default',
      userId: 'carol',
      agentName: 'planner',
      apiKeyId: keyId(OPENAI_KEY),
      model: 'gpt-4o',
    });
  });

  it('settles every admitted request once with its record, which keeps no content under the policy none', async () => {
    const client = openaiVia(server(), { 'x-forwarded-for': '198.51.100.7, 10.1.2.3', 'x-tally-session': 'settled' });
    const count = settled.length;
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'secret plan' }],
    });
    await caught(client.chat.completions.create({ model: 'boom', messages: [] }));
    // Admissions are settled as soon as each answer is over; the records are stored shortly after.
    const deadline = Date.now() + 5000;
    while (settled.length < count + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const [ok, failed] = settled.slice(count);
    expect(settled).toHaveLength(count + 2);
    expect(ok).toMatchObject({ status: 'success', model: 'gpt-4o-2024-08-06', input_text: null, output_text: null });
    expect(failed).toMatchObject({ status: 'error', status_code: 500 });
    // X-Forwarded-For is believed from trusted proxies only: 10.1.2.3 is one, so the client is 198.51.100.7.
    expect(ok!.client_ip).toBe('198.51.100.7');
    let stored: CallEvent | null = null;
    while (!stored && Date.now() < deadline) {
      const r = await fetch(`${url}/api/v1/events/${ok!.id}`);
      if (r.status === 200) stored = (await r.json()) as CallEvent;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(stored).toMatchObject({ id: ok!.id, session_id: 'settled', input_text: null, client_ip: '198.51.100.7' });
  });
});
