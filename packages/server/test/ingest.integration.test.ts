import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, minutesAgo, TEST_BACKEND, type TestServer } from './helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ TALLY_BODY_LIMIT_MB: '1' });
});
afterAll(async () => {
  await s.stop();
});

describe('ingest', () => {
  it('stores one call and reads it back with its cost computed', async () => {
    const post = await s.call('POST', '/api/v1/ingest/llm', {
      body: {
        id: 'one-1',
        timestamp: minutesAgo(5),
        provider: 'openai',
        model: 'gpt-4o',
        input_tokens: 1000,
        output_tokens: 200,
        user_id: 'alice',
        agent_name: 'Support',
        team: 'blue',
      },
    });
    expect(post.status).toBe(201);
    expect(post.body).toEqual({ id: 'one-1', status: 'created' });
    const got = await s.call('GET', '/api/v1/events/one-1');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: 'one-1',
      model: 'gpt-4o',
      input_tokens: 1000,
      output_tokens: 200,
      total_tokens: 1200,
      user_id: 'alice',
      cost_source: 'computed',
      ingest_source: 'api',
      project_id: 'default',
    });
    expect(got.body.cost_usd).toBeGreaterThan(0);
    expect(got.body.metadata).toEqual({ team: 'blue' });
  });

  it('answers a bulk request with one result per item, in order, and stores every valid item', async () => {
    const far = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const events = [
      { id: 'b-ok-1', timestamp: minutesAgo(3), model: 'gpt-4o-mini', input_tokens: 10, output_tokens: 5 },
      { id: 'b-neg', timestamp: minutesAgo(3), model: 'gpt-4o-mini', input_tokens: -4 },
      { id: 'b-frac', timestamp: minutesAgo(3), model: 'gpt-4o-mini', output_tokens: 1.5 },
      { id: 'b-time', timestamp: 'yesterday-ish', model: 'gpt-4o-mini' },
      { id: 'b-future', timestamp: far, model: 'gpt-4o-mini' },
      { id: 'b-long', timestamp: minutesAgo(3), model: 'm'.repeat(300) },
      { id: 'b-missing' },
      'not an object',
      {
        id: 'b-ok-2',
        timestamp: Math.floor(Date.now() / 1000) - 60,
        api_type: 'embedding',
        provider: 'openai',
        model: 'text-embedding-3-small',
        input_tokens: 8,
      },
    ];
    const r = await s.call('POST', '/api/v1/ingest/llm/bulk', { body: { events } });
    expect(r.status).toBe(207);
    expect(r.body.accepted).toBe(2);
    expect(r.body.rejected).toBe(7);
    const results = r.body.results as {
      index: number;
      status: number;
      error?: { fields: { path: string; message: string }[] };
    }[];
    expect(results.map((x) => x.status)).toEqual([201, 422, 422, 422, 422, 422, 422, 422, 201]);
    expect(results.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const pathsOf = (i: number) => results[i]!.error!.fields.map((f) => f.path);
    expect(pathsOf(1)).toEqual(['input_tokens']);
    expect(pathsOf(2)).toEqual(['output_tokens']);
    expect(pathsOf(3)).toEqual(['timestamp']);
    expect(results[4]!.error!.fields[0]!.message).toContain('future');
    expect(pathsOf(5)).toEqual(['model']);
    expect(pathsOf(6).sort()).toEqual(['model', 'timestamp']);
    expect((await s.call('GET', '/api/v1/events/b-ok-1')).status).toBe(200);
    expect((await s.call('GET', '/api/v1/events/b-ok-2')).body.api_type).toBe('embedding');
    expect((await s.call('GET', '/api/v1/events/b-neg')).status).toBe(404);
  });

  it('never double counts a retried bulk request', async () => {
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `retry-${i}`,
      timestamp: minutesAgo(2),
      model: 'gpt-4o-mini',
      session_id: 'retry-session',
    }));
    const h = { 'x-tally-project': 'retry-proj' };
    await s.call('POST', '/api/v1/projects', { body: { id: 'retry-proj', name: 'Retry' } });
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await s.call('POST', '/api/v1/ingest/llm/bulk', { body: { events }, headers: h }));
    expect(answers.map((a) => a.status)).toEqual([207, 207, 207]);
    const page = await s.call('GET', '/api/v1/analytics/events?limit=1000', { headers: h });
    expect(page.body.events).toHaveLength(30);
    // Every answer is 201 per item; a call sent before says so.
    type Item = { status: number; duplicate?: boolean };
    expect(answers[0]!.body.duplicates).toBe(0);
    expect((answers[0]!.body.results as Item[]).filter((r) => r.duplicate)).toEqual([]);
    expect(answers[2]!.body).toMatchObject({ accepted: 30, rejected: 0, duplicates: 30 });
    expect((answers[2]!.body.results as Item[]).every((r) => r.status === 201 && r.duplicate === true)).toBe(true);

    const mixed = [events[3], { id: 'bad', model: 'gpt-4o-mini', input_tokens: -1 }, { ...events[0], id: 'new' }];
    const m = await s.call('POST', '/api/v1/ingest/llm/bulk', { body: { events: mixed }, headers: h });
    expect(m.body).toMatchObject({ accepted: 2, rejected: 1, duplicates: 1 });
    expect(m.body.results.map((r: Item) => [r.status, r.duplicate ?? false])).toEqual([
      [201, true],
      [422, false],
      [201, false],
    ]);
    const one = { id: 'single', timestamp: minutesAgo(2), model: 'gpt-4o-mini' };
    const first = await s.call('POST', '/api/v1/ingest/llm', { body: one, headers: h });
    const second = await s.call('POST', '/api/v1/ingest/llm', { body: one, headers: h });
    expect(first.body).toEqual({ id: 'single', status: 'created' });
    expect([second.status, second.body]).toEqual([201, { id: 'single', status: 'created', duplicate: true }]);
  });

  it('takes concurrent requests and acknowledges each after its data is stored', async () => {
    await s.call('POST', '/api/v1/projects', { body: { id: 'concurrent', name: 'Concurrent' } });
    const h = { 'x-tally-project': 'concurrent' };
    const posts = Array.from({ length: 40 }, (_, i) =>
      s.call('POST', '/api/v1/ingest/llm', {
        body: { id: `c-${i}`, timestamp: minutesAgo(1), model: 'gpt-4o' },
        headers: h,
      }),
    );
    expect((await Promise.all(posts)).map((r) => r.status)).toEqual(Array(40).fill(201));
    let seen = 0;
    let cursor: string | null = null;
    do {
      const page: { body: { events: unknown[]; next_cursor: string | null } } = await s.call(
        'GET',
        `/api/v1/analytics/events?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: h },
      );
      seen += page.body.events.length;
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toBe(40);
  });

  it('accepts seed 002 field names and moves unknown fields to metadata', async () => {
    const r = await s.call('POST', '/api/v1/ingest/llm', {
      body: {
        id: 'seed2',
        timestamp: minutesAgo(1),
        api_provider: 'gemini',
        api_type: 'generative',
        model: 'gemini-2.0-flash',
        latency_ms: 1234.5,
        cost_estimate: 0.002,
        additional_params: { top_k: 3 },
      },
    });
    expect(r.status).toBe(201);
    const got = (await s.call('GET', '/api/v1/events/seed2')).body;
    expect(got).toMatchObject({
      provider: 'gemini',
      duration_ms: 1234.5,
      cost_usd: 0.002,
      cost_source: 'reported',
      metadata: { additional_params: { top_k: 3 } },
    });
  });

  it('stores application logs and metrics', async () => {
    expect(
      (
        await s.call('POST', '/api/v1/ingest/app', {
          body: { level: 'warn', message: 'slow upstream', service: 'api' },
        })
      ).status,
    ).toBe(201);
    const many = await s.call('POST', '/api/v1/ingest/app', {
      body: { logs: [{ message: 'ok' }, { level: 'LOUD', message: 'x' }] },
    });
    expect(many.status).toBe(207);
    expect(many.body.results.map((x: { status: number }) => x.status)).toEqual([201, 422]);
    const m = await s.call('POST', '/api/v1/ingest/metrics', {
      body: { metrics: [{ name: 'gpu.util', value: 0.7, tags: { host: 'a' } }, { name: 'x' }] },
    });
    expect(m.body.results.map((x: { status: number }) => x.status)).toEqual([201, 422]);
    expect(m.body.results[1].error.fields).toEqual([{ path: 'value', message: 'is required' }]);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400', async () => {
    const r = await s.call('POST', '/api/v1/ingest/llm', { raw: '{"timestamp": ' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('malformed_json');
  });

  it('answers wrong types and missing fields with 422 naming each field', async () => {
    const r = await s.call('POST', '/api/v1/ingest/llm', {
      body: { input_tokens: 'ten', tags: ['ok', 5], status: 'maybe' },
    });
    expect(r.status).toBe(422);
    const paths = (r.body.error.fields as { path: string }[]).map((f) => f.path).sort();
    expect(paths).toEqual(['input_tokens', 'model', 'status', 'tags[1]', 'timestamp']);
    expect(r.body.error.message).toContain('status must be one of success, error, timeout, cancelled');
  });

  it('answers a body over the limit with 413 and a missing events array with 422', async () => {
    const big = {
      events: Array.from({ length: 5000 }, (_, i) => ({
        id: `big-${i}`,
        timestamp: minutesAgo(1),
        model: 'gpt-4o',
        input_text: 'x'.repeat(300),
      })),
    };
    const r = await s.call('POST', '/api/v1/ingest/llm/bulk', { body: big });
    expect(r.status).toBe(413);
    expect(r.body.error.message).toContain('TALLY_BODY_LIMIT_MB');
    const none = await s.call('POST', '/api/v1/ingest/llm/bulk', { body: { items: [] } });
    expect(none.status).toBe(422);
    expect(none.body.error.fields[0].path).toBe('events');
  });

  it('answers an unknown route with 404 JSON', async () => {
    const r = await s.call('GET', '/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});

describe('meta', () => {
  it('reports health with a real query, status, and API info', async () => {
    const h = await s.call('GET', '/health');
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('healthy');
    expect(Number.isNaN(Date.parse(h.body.timestamp))).toBe(false);
    const st = await s.call('GET', '/api/v1/status');
    expect(st.body).toMatchObject({ status: 'operational', store: { kind: TEST_BACKEND }, auth: { mode: 'open' } });
    const root = await s.call('GET', '/');
    expect(root.body).toMatchObject({ name: 'Tally', documentation: '/docs' });
    const docs = await s.call('GET', '/docs/json');
    expect(docs.body.paths['/api/v1/ingest/llm/bulk']).toBeDefined();
  });
});
