import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';
import { startReceiver } from './webhook-receiver.js';

const MINUTE = 60_000;
const as = (project: string) => ({ key: ADMIN, headers: { 'x-tally-project': project } });

describe('alert rules', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({}, undefined, {
      alertsFirstRunMs: 3_600_000,
      open: { notifier: { retryBaseMs: 30, maxAttempts: 3 } },
    });
  });
  afterAll(async () => {
    await s.stop();
  });

  async function newProject(): Promise<string> {
    const id = `a-${randomUUID().slice(0, 8)}`;
    expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } })).status).toBe(201);
    return id;
  }

  let seq = 0;
  async function ingest(project: string, n: number, fields: Record<string, unknown>): Promise<void> {
    const events = Array.from({ length: n }, () => ({ id: `e${++seq}`, timestamp: Date.now(), ...fields }));
    const r = await s.call('POST', '/api/v1/ingest/llm/bulk', { ...as(project), body: { events } });
    expect(r.body.rejected).toBe(0);
  }

  /** One evaluation, then every delivery it caused finished. */
  async function evaluate(now?: number) {
    const results = await s.evaluator.run(now);
    await s.ctx.notifier.idle();
    return results;
  }

  it('fires once when its condition becomes true and resolves once when it turns false', async () => {
    const p = await newProject();
    const secret = 'alert-webhook-secret-0001';
    const receiver = await startReceiver(secret);
    try {
      await s.call('POST', '/api/v1/webhooks', { ...as(p), body: { url: receiver.url, secret } });
      const created = await s.call('POST', '/api/v1/alerts', {
        ...as(p),
        body: { name: 'OpenAI errors', metric: 'error_rate', threshold: 0.2, provider: 'openai' },
      });
      expect(created.status).toBe(201);
      const rule = created.body;
      expect(rule).toMatchObject({
        window_minutes: 15,
        comparison: 'gt',
        enabled: true,
        state: 'ok',
        last_value: null,
      });

      await ingest(p, 9, { model: 'gpt-4o', provider: 'openai' });
      await ingest(p, 1, { model: 'gpt-4o', provider: 'openai', status: 'error', error_message: 'rate limited' });
      // Errors of another provider are outside the rule's filter.
      await ingest(p, 5, { model: 'claude-sonnet-4-5', provider: 'anthropic', status: 'error', error_message: 'x' });
      const quiet = (await evaluate()).find((e) => e.rule_id === rule.id);
      expect(quiet).toEqual({ rule_id: rule.id, value: 0.1, from: 'ok', to: 'ok' });

      await ingest(p, 3, { model: 'gpt-4o', provider: 'openai', status: 'error', error_message: 'overloaded' });
      expect((await evaluate()).find((e) => e.rule_id === rule.id)).toMatchObject({ from: 'ok', to: 'firing' });
      expect((await evaluate()).find((e) => e.rule_id === rule.id)).toMatchObject({ from: 'firing', to: 'firing' });
      const firing = (await s.call('GET', `/api/v1/alerts/${rule.id}`, as(p))).body;
      expect(firing).toMatchObject({ state: 'firing', last_value: 4 / 13 });
      expect(firing.notifications.map((n: any) => [n.event, n.deliveries[0].status])).toEqual([
        ['alert.firing', 'delivered'],
      ]);

      await ingest(p, 12, { model: 'gpt-4o', provider: 'openai' });
      expect((await evaluate()).find((e) => e.rule_id === rule.id)).toMatchObject({ from: 'firing', to: 'ok' });
      await evaluate();
      // Later, the window holds no calls: no error rate to judge, and nothing to announce.
      expect((await evaluate(Date.now() + 16 * MINUTE)).find((e) => e.rule_id === rule.id)).toEqual({
        rule_id: rule.id,
        value: null,
        from: 'ok',
        to: 'ok',
      });

      expect(receiver.received.map((r) => [r.event, r.body['state'], r.signatureValid])).toEqual([
        ['alert.firing', 'firing', true],
        ['alert.resolved', 'ok', true],
      ]);
      expect(receiver.received[0]!.body).toMatchObject({
        event: 'alert.firing',
        project_id: p,
        alert: {
          id: rule.id,
          name: 'OpenAI errors',
          metric: 'error_rate',
          comparison: 'gt',
          threshold: 0.2,
          window_minutes: 15,
          filters: { model: null, provider: 'openai', agent_name: null },
        },
        value: 4 / 13,
      });
      expect(receiver.received[1]!.body).toMatchObject({
        value: 4 / 25,
        fired_at: receiver.received[0]!.body['since'],
      });
      expect(receiver.received[0]!.body['fired_at']).toBe(receiver.received[0]!.body['since']);
      const after = (await s.call('GET', `/api/v1/alerts/${rule.id}`, as(p))).body;
      expect(after.notifications.map((n: any) => n.event)).toEqual(['alert.resolved', 'alert.firing']);
    } finally {
      await receiver.close();
    }
  });

  it('watches the p95 latency of a model and the spend of an agent', async () => {
    const p = await newProject();
    const slow = await s.call('POST', '/api/v1/alerts', {
      ...as(p),
      body: { name: 'Slow gpt-4o', metric: 'p95_duration_ms', comparison: 'gte', threshold: 2000, model: 'gpt-4o' },
    });
    const spend = await s.call('POST', '/api/v1/alerts', {
      ...as(p),
      body: { name: 'Planner spend', metric: 'cost_usd', threshold: 1, window_minutes: 60, agent_name: 'planner' },
    });
    // 20 calls of 100..2000 ms: the nearest-rank p95 is the 19th smallest, 1900 ms.
    for (let i = 1; i <= 20; i++)
      await ingest(p, 1, { model: 'gpt-4o', duration_ms: i * 100, cost_usd: 0.04, agent_name: 'planner' });
    await ingest(p, 1, { model: 'gpt-4o-mini', duration_ms: 60_000 });
    const first = await evaluate();
    expect(first.find((e) => e.rule_id === slow.body.id)).toMatchObject({ value: 1900, to: 'ok' });
    expect(first.find((e) => e.rule_id === spend.body.id)).toMatchObject({ value: 0.8, to: 'ok' });
    await ingest(p, 2, { model: 'gpt-4o', duration_ms: 5000, cost_usd: 0.15, agent_name: 'planner' });
    const second = await evaluate();
    expect(second.find((e) => e.rule_id === slow.body.id)).toMatchObject({ value: 5000, to: 'firing' });
    expect(second.find((e) => e.rule_id === spend.body.id)).toMatchObject({ value: 1.1, to: 'firing' });
    const list = (await s.call('GET', '/api/v1/alerts', as(p))).body.alerts;
    expect(list.map((a: any) => [a.name, a.state])).toEqual([
      ['Slow gpt-4o', 'firing'],
      ['Planner spend', 'firing'],
    ]);
    // A disabled rule is not evaluated.
    const off = await s.call('PATCH', `/api/v1/alerts/${slow.body.id}`, { ...as(p), body: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false, state: 'firing' });
    expect((await evaluate()).some((e) => e.rule_id === slow.body.id)).toBe(false);
  });

  it('says what is wrong with a rule, and lets only manage keys change rules', async () => {
    const p = await newProject();
    const bad = async (body: Record<string, unknown>) => {
      const r = await s.call('POST', '/api/v1/alerts', { ...as(p), body });
      expect(r.status).toBe(422);
      return r.body.error.message as string;
    };
    expect(await bad({ name: 'x', metric: 'error_rate', threshold: 5 })).toContain(
      'is a fraction of calls for error_rate, from 0 to 1',
    );
    expect(await bad({ name: 'x', metric: 'p99', threshold: 5 })).toContain('metric');
    expect(await bad({ name: 'x', metric: 'cost_usd', threshold: 5, window_minutes: 0 })).toContain('window_minutes');
    const rule = (
      await s.call('POST', '/api/v1/alerts', { ...as(p), body: { name: 'Spend', metric: 'cost_usd', threshold: 5 } })
    ).body;
    const patched = await s.call('PATCH', `/api/v1/alerts/${rule.id}`, { ...as(p), body: { metric: 'error_rate' } });
    expect(patched.status).toBe(422);
    const read = (await s.call('POST', `/api/v1/projects/${p}/keys`, { key: ADMIN, body: { scope: 'read' } })).body.key;
    expect((await s.call('GET', '/api/v1/alerts', { key: read })).body.alerts).toHaveLength(1);
    expect((await s.call('DELETE', `/api/v1/alerts/${rule.id}`, { key: read })).status).toBe(403);
    expect((await s.call('DELETE', `/api/v1/alerts/${rule.id}`, as(p))).body).toEqual({ id: rule.id, deleted: true });
    expect((await s.call('GET', `/api/v1/alerts/${rule.id}`, as(p))).status).toBe(404);
  });
});
