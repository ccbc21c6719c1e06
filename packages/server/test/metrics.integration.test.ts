import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';

/** The samples of a Prometheus text exposition, by series (name plus labels, as written). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function ingest(s: TestServer, project: string, events: Record<string, unknown>[], key = ADMIN) {
  const r = await s.call('POST', '/api/v1/ingest/llm/bulk', {
    key,
    headers: key === ADMIN ? { 'x-tally-project': project } : {},
    body: { events },
  });
  expect(r.body.rejected).toBe(0);
}

describe('GET /metrics', () => {
  it('counts stored calls, tokens, cost, errors and durations by project, provider and model', async () => {
    const s = await startTestServer();
    try {
      const p = `m-${randomUUID().slice(0, 8)}`;
      const q = `m-${randomUUID().slice(0, 8)}`;
      for (const id of [p, q]) await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } });
      const now = Date.now();
      const calls = [
        {
          id: 'c1',
          timestamp: now,
          provider: 'openai',
          model: 'gpt-4o',
          input_tokens: 100,
          output_tokens: 20,
          cost_usd: 0.5,
          duration_ms: 300,
        },
        {
          id: 'c2',
          timestamp: now,
          provider: 'openai',
          model: 'gpt-4o',
          input_tokens: 50,
          output_tokens: 10,
          cost_usd: 0.25,
          duration_ms: 4000,
        },
        {
          id: 'c3',
          timestamp: now,
          provider: 'openai',
          model: 'gpt-4o',
          input_tokens: 5,
          output_tokens: 0,
          cost_usd: 0,
          status: 'error',
          error_message: 'rate limited',
          duration_ms: 80,
        },
        {
          id: 'c4',
          timestamp: now,
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          input_tokens: 7,
          output_tokens: 3,
          cost_usd: 0.125,
        },
      ];
      await ingest(s, p, calls);
      // A retried batch is stored once and counted once.
      await ingest(s, p, calls.slice(0, 2));
      await ingest(s, q, [{ id: 'q1', timestamp: now, provider: 'openai', model: 'gpt-4o', input_tokens: 1 }]);

      const r = await s.call('GET', '/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const m = samples(r.body as string);
      const gpt = `project="${p}",provider="openai",model="gpt-4o"`;
      const claude = `project="${p}",provider="anthropic",model="claude-sonnet-4-5"`;
      expect(m.get(`tally_calls_total{${gpt}}`)).toBe(3);
      expect(m.get(`tally_calls_total{${claude}}`)).toBe(1);
      expect(m.get(`tally_call_errors_total{${gpt}}`)).toBe(1);
      expect(m.get(`tally_call_errors_total{${claude}}`)).toBeUndefined();
      expect(m.get(`tally_tokens_total{${gpt},direction="input"}`)).toBe(155);
      expect(m.get(`tally_tokens_total{${gpt},direction="output"}`)).toBe(30);
      expect(m.get(`tally_cost_usd_total{${gpt}}`)).toBe(0.75);
      expect(m.get(`tally_cost_usd_total{${claude}}`)).toBe(0.125);
      expect(m.get(`tally_call_duration_seconds_count{${gpt}}`)).toBe(3);
      expect(m.get(`tally_call_duration_seconds_bucket{le="0.1",${gpt}}`)).toBe(1);
      expect(m.get(`tally_call_duration_seconds_bucket{le="0.5",${gpt}}`)).toBe(2);
      expect(m.get(`tally_call_duration_seconds_bucket{le="5",${gpt}}`)).toBe(3);
      expect(m.get(`tally_call_duration_seconds_sum{${gpt}}`)).toBeCloseTo(4.38, 6);
      expect(m.get(`tally_calls_total{project="${q}",provider="openai",model="gpt-4o"}`)).toBe(1);
      // The server's own health.
      expect(m.get('tally_ingest_queue_records')).toBe(0);
      expect(m.get('tally_store_commit_duration_seconds_count')).toBeGreaterThanOrEqual(3);
      expect(m.has('process_cpu_user_seconds_total')).toBe(true);
      expect(m.has('nodejs_heap_size_used_bytes')).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it("needs the admin token or a read key once keys exist; a key sees its own project's series", async () => {
    const s = await startTestServer();
    try {
      const p = `m-${randomUUID().slice(0, 8)}`;
      const q = `m-${randomUUID().slice(0, 8)}`;
      const keys: Record<string, string> = {};
      for (const id of [p, q]) {
        await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } });
        for (const scope of ['read', 'ingest'])
          keys[`${id}:${scope}`] = (
            await s.call('POST', `/api/v1/projects/${id}/keys`, { key: ADMIN, body: { scope } })
          ).body.key;
      }
      await ingest(
        s,
        p,
        [{ id: 'a', timestamp: Date.now(), provider: 'openai', model: 'gpt-4o' }],
        keys[`${p}:ingest`],
      );
      await ingest(
        s,
        q,
        [{ id: 'b', timestamp: Date.now(), provider: 'openai', model: 'gpt-4o' }],
        keys[`${q}:ingest`],
      );

      expect((await s.call('GET', '/metrics')).status).toBe(401);
      expect((await s.call('GET', '/metrics', { key: keys[`${p}:ingest`] })).status).toBe(403);
      const admin = samples((await s.call('GET', '/metrics', { key: ADMIN })).body as string);
      expect(admin.get(`tally_calls_total{project="${p}",provider="openai",model="gpt-4o"}`)).toBe(1);
      expect(admin.get(`tally_calls_total{project="${q}",provider="openai",model="gpt-4o"}`)).toBe(1);
      const own = await s.call('GET', '/metrics', { key: keys[`${p}:read`] });
      expect(own.status).toBe(200);
      const mine = samples(own.body as string);
      expect(mine.get(`tally_calls_total{project="${p}",provider="openai",model="gpt-4o"}`)).toBe(1);
      expect((own.body as string).includes(q)).toBe(false);
      expect(mine.get('tally_ingest_queue_records')).toBe(0);
    } finally {
      await s.stop();
    }
  });
});
