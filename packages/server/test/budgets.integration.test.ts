import { randomUUID } from 'node:crypto';
import { PriceBook, prepareCallEvent, type CallEvent } from '@tally/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateAnswer, GateRequest } from '../src/budgets/budget-gate.js';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';
import { startProxyUpstream } from './proxy-upstream.js';
import { eventually, startReceiver } from './webhook-receiver.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const book = new PriceBook();

/** A call as the proxy records it: prepared the way ingest prepares one, written by the server's writer. */
function proxyCall(projectId: string, fields: Record<string, unknown> = {}): CallEvent {
  const r = prepareCallEvent(
    { timestamp: Date.now(), model: 'gpt-4o', provider: 'openai', input_tokens: 10, output_tokens: 5, ...fields },
    { projectId, now: Date.now(), ingestSource: 'proxy', capturePolicy: 'none', priceBook: book },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const as = (project: string) => ({ key: ADMIN, headers: { 'x-tally-project': project } });

async function newProject(s: TestServer): Promise<string> {
  const id = `b-${randomUUID().slice(0, 8)}`;
  expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } })).status).toBe(201);
  return id;
}

async function ingest(s: TestServer, project: string, events: Record<string, unknown>[]): Promise<void> {
  const r = await s.call('POST', '/api/v1/ingest/llm/bulk', { ...as(project), body: { events } });
  expect(r.status).toBe(207);
  expect(r.body.rejected).toBe(0);
}

async function createBudget(s: TestServer, project: string, body: Record<string, unknown>) {
  const r = await s.call('POST', '/api/v1/budgets', { ...as(project), body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; resets_at: string | null } & Record<string, unknown>;
}

const getBudget = async (s: TestServer, project: string, id: string) =>
  (await s.call('GET', `/api/v1/budgets/${id}`, as(project))).body;

const request = (projectId: string, over: Partial<GateRequest> = {}): GateRequest => ({
  projectId,
  userId: null,
  agentName: null,
  apiKeyId: null,
  model: 'gpt-4o',
  ...over,
});

const admitted = (answers: GateAnswer[]) => answers.flatMap((a) => (a.ok ? [a.admission] : []));

describe('budgets', () => {
  let s: TestServer;
  const dataDir = tempDir();
  const serverOptions = {
    // The tests run evaluations themselves; webhook retries are quick.
    alertsFirstRunMs: 3_600_000,
    open: { notifier: { retryBaseMs: 30, maxAttempts: 3 } },
  };
  beforeAll(async () => {
    s = await startTestServer({}, dataDir, serverOptions);
  });
  afterAll(async () => {
    await s.stop();
  });

  it("counts each budget's usage from the stored calls of its period and scope", async () => {
    const p = await newProject(s);
    const now = Date.now();
    const day = await createBudget(s, p, {
      name: 'Alice today',
      metric: 'cost_usd',
      limit: 1,
      period: 'day',
      user_id: 'alice',
      thresholds: [50, 100],
    });
    expect(day).toMatchObject({ used: 0, remaining: 1, percent: 0, hard: false, thresholds_crossed: [], tz: 'UTC' });
    const month = await createBudget(s, p, { name: 'Tokens', metric: 'tokens', limit: 10_000, tz: 'Europe/Paris' });
    expect(month).toMatchObject({ period: 'month', thresholds: [80, 100] });
    const rolling = await createBudget(s, p, {
      name: 'gpt-4o calls, last hour',
      metric: 'calls',
      limit: 10,
      period: 'rolling',
      window_hours: 1,
      model: 'gpt-4o',
    });
    const calls = [
      {
        id: 'a1',
        timestamp: now,
        user_id: 'alice',
        model: 'gpt-4o',
        input_tokens: 100,
        output_tokens: 50,
        cost_usd: 0.2,
      },
      {
        id: 'a2',
        timestamp: now,
        user_id: 'alice',
        model: 'gpt-4o-mini',
        input_tokens: 300,
        output_tokens: 100,
        cost_usd: 0.3,
      },
      {
        id: 'b1',
        timestamp: now,
        user_id: 'bob',
        model: 'gpt-4o',
        input_tokens: 1000,
        output_tokens: 0,
        cost_usd: 0.5,
      },
      {
        id: 'c1',
        timestamp: now - 90 * 60_000,
        user_id: 'carol',
        model: 'gpt-4o',
        input_tokens: 7,
        output_tokens: 3,
        cost_usd: 1,
      },
      {
        id: 'old',
        timestamp: now - 40 * DAY,
        user_id: 'alice',
        model: 'gpt-4o',
        input_tokens: 5000,
        output_tokens: 5000,
        cost_usd: 5,
      },
    ];
    await ingest(
      s,
      p,
      calls.map((c) => ({ ...c, provider: 'openai' })),
    );

    const list = (await s.call('GET', '/api/v1/budgets', as(p))).body.budgets as Record<string, any>[];
    const byId = new Map(list.map((b) => [b['id'], b]));
    expect(byId.get(day.id)).toMatchObject({
      used: 0.5,
      remaining: 0.5,
      percent: 50,
      in_flight: 0,
      thresholds_crossed: [50],
      period_start: `${new Date(now).toISOString().slice(0, 10)}T00:00:00.000Z`,
      resets_at: new Date(Date.parse(new Date(now).toISOString().slice(0, 10)) + DAY).toISOString(),
    });
    // A month in Paris starts at 22:00 or 23:00 UTC the day before; the expected sum follows the period answered.
    const m = byId.get(month.id)!;
    expect(m['period_start']).toMatch(/T2[23]:00:00\.000Z$/);
    const monthTokens = calls
      .filter((c) => c.timestamp >= Date.parse(m['period_start']))
      .reduce((n, c) => n + c.input_tokens + c.output_tokens, 0);
    expect(m).toMatchObject({ used: monthTokens, remaining: 10_000 - monthTokens });
    const r = byId.get(rolling.id)!;
    expect(r).toMatchObject({ used: 2, remaining: 8, percent: 20, resets_at: null });
    expect(Date.parse(r['period_start'])).toBeGreaterThan(now - HOUR - 60_000);

    // The 50 % of the daily budget was announced (no webhook yet: stored with no deliveries).
    await s.ctx.budgetTracker.idle();
    const detail = await getBudget(s, p, day.id);
    expect(detail.alerts).toHaveLength(1);
    expect(detail.alerts[0]).toMatchObject({
      event: 'budget.threshold',
      payload: { threshold: 50, used: 0.5, percent: 50, budget: { id: day.id, name: 'Alice today' } },
      deliveries: [],
    });
  });

  it('admits exactly as many concurrent requests as a calls budget has left', async () => {
    const p = await newProject(s);
    const b = await createBudget(s, p, {
      name: '15 calls a day',
      metric: 'calls',
      limit: 15,
      period: 'day',
      hard: true,
    });
    await ingest(
      s,
      p,
      Array.from({ length: 5 }, (_, i) => ({ id: `before-${i}`, timestamp: Date.now(), model: 'gpt-4o' })),
    );

    const answers = await Promise.all(Array.from({ length: 50 }, () => s.ctx.budgetGate.admit(request(p))));
    const first = admitted(answers);
    expect(first).toHaveLength(10);
    const refused = answers.find((a) => !a.ok);
    expect(refused && !refused.ok && refused.refusal).toMatchObject({
      budgetId: b.id,
      name: '15 calls a day',
      metric: 'calls',
      limit: 15,
      used: 5,
      resetsAt: Date.parse(b.resets_at!),
    });
    expect(refused && !refused.ok && refused.refusal.message).toContain('5 used and 10 held by requests in flight');
    expect(await getBudget(s, p, b.id)).toMatchObject({ used: 5, in_flight: 10, remaining: 10 });

    // Two requests fail upstream and record nothing: their places free up (a second settle changes nothing).
    first[0]!.settle(null);
    first[1]!.settle(null);
    first[1]!.settle(null);
    const second = admitted(await Promise.all(Array.from({ length: 5 }, () => s.ctx.budgetGate.admit(request(p)))));
    expect(second).toHaveLength(2);

    // The ten left end with a call each: five settled before the writer commits their call, five after.
    const open = [...first.slice(2), ...second];
    for (const [i, admission] of open.entries()) {
      const call = proxyCall(p, { id: `proxied-${i}` });
      if (i < 5) {
        admission.settle(call);
        await s.ctx.writer.write({ calls: [call] });
      } else {
        await s.ctx.writer.write({ calls: [call] });
        admission.settle(call);
      }
    }
    expect(await getBudget(s, p, b.id)).toMatchObject({
      used: 15,
      in_flight: 0,
      remaining: 0,
      percent: 100,
      thresholds_crossed: [80, 100],
    });
    expect((await s.ctx.budgetGate.admit(request(p))).ok).toBe(false);
    // Another model, user or project is not in this budget's scope only when the budget says so: this one is whole-project.
    expect((await s.ctx.budgetGate.admit(request(p, { model: 'claude-sonnet-4-5' }))).ok).toBe(false);
    expect((await s.ctx.budgetGate.admit(request(await newProject(s)))).ok).toBe(true);
  });

  it('reserves the average call of a cost budget and replaces it with the actual cost when settled', async () => {
    const p = await newProject(s);
    const b = await createBudget(s, p, {
      name: 'Alice, one dollar a day',
      metric: 'cost_usd',
      limit: 1,
      period: 'day',
      user_id: 'alice',
      hard: true,
    });
    await ingest(s, p, [
      { id: 'x1', timestamp: Date.now(), model: 'gpt-4o', user_id: 'alice', cost_usd: 0.25 },
      { id: 'x2', timestamp: Date.now(), model: 'gpt-4o', user_id: 'alice', cost_usd: 0.25 },
      { id: 'x3', timestamp: Date.now(), model: 'gpt-4o', user_id: 'bob', cost_usd: 3 },
    ]);
    // Bob is outside the budget's scope.
    expect((await s.ctx.budgetGate.admit(request(p, { userId: 'bob' }))).ok).toBe(true);
    const a = await s.ctx.budgetGate.admit(request(p, { userId: 'alice' }));
    expect(a.ok).toBe(true);
    expect(await getBudget(s, p, b.id)).toMatchObject({ used: 0.5, in_flight: 0.25 });
    if (a.ok) a.admission.settle(proxyCall(p, { id: 'cheap', user_id: 'alice', cost_usd: 0.1 }));
    expect(await getBudget(s, p, b.id)).toMatchObject({ used: 0.6, in_flight: 0 });
    // 0.6 used; each request holds 0.25: the second brings it to 1.1, so the third is refused.
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => s.ctx.budgetGate.admit(request(p, { userId: 'alice' }))),
    );
    expect(admitted(answers)).toHaveLength(2);
  });

  it('moves a rolling budget on with every commit, between readings of the store', async () => {
    const p = await newProject(s);
    await createBudget(s, p, {
      name: 'Three an hour',
      metric: 'calls',
      limit: 3,
      period: 'rolling',
      window_hours: 1,
      hard: true,
    });
    await ingest(s, p, [{ id: 'long-ago', timestamp: Date.now() - 2 * HOUR, model: 'gpt-4o' }]);
    const first = await s.ctx.budgetGate.admit(request(p));
    expect(first.ok).toBe(true);
    if (first.ok) first.admission.settle(null);
    // Read once; the calls below reach the count through the writer's commits alone.
    await ingest(
      s,
      p,
      [1, 2, 3].map((i) => ({ id: `now-${i}`, timestamp: Date.now(), model: 'gpt-4o' })),
    );
    const refused = await s.ctx.budgetGate.admit(request(p));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.refusal).toMatchObject({ used: 3, resetsAt: null });
  });

  it('announces each threshold once per period to signed webhooks, across evaluations and restarts', async () => {
    const p = await newProject(s);
    const secret = 'a-shared-secret-of-some-length';
    const receiver = await startReceiver(secret);
    try {
      const hook = await s.call('POST', '/api/v1/webhooks', { ...as(p), body: { url: receiver.url, secret } });
      expect(hook.status).toBe(201);
      expect(hook.body).toMatchObject({ url: receiver.url, secret, enabled: true, secret_prefix: 'a-shared-s…' });
      const listed = (await s.call('GET', '/api/v1/webhooks', as(p))).body.webhooks;
      expect(listed).toHaveLength(1);
      expect(listed[0]).not.toHaveProperty('secret');

      const b = await createBudget(s, p, { name: 'Four calls', metric: 'calls', limit: 4, thresholds: [50, 100] });
      const send = (ids: string[]) =>
        ingest(
          s,
          p,
          ids.map((id) => ({ id, timestamp: Date.now(), model: 'gpt-4o' })),
        );
      await send(['c1', 'c2']);
      await receiver.until((r) => r.length === 1);
      await send(['c3']);
      await send(['c4', 'c5']);
      await receiver.until((r) => r.length === 2);
      await s.evaluator.run();
      await s.evaluator.run();
      await send(['c6']);
      await s.ctx.budgetTracker.idle();
      await s.ctx.notifier.idle();

      expect(receiver.received.map((r) => r.body['threshold'])).toEqual([50, 100]);
      for (const r of receiver.received) {
        expect(r.signatureValid).toBe(true);
        expect(r.event).toBe('budget.threshold');
        expect(Number(r.timestamp)).toBe(Math.floor(Date.parse(r.body['delivery'].sent_at) / 1000));
      }
      expect(receiver.received[1]!.body).toMatchObject({
        event: 'budget.threshold',
        project_id: p,
        budget: { id: b.id, name: 'Four calls', metric: 'calls', limit: 4, period: 'month', hard: false },
        threshold: 100,
        used: 5,
        percent: 125,
        period_start: b['period_start'],
        resets_at: b.resets_at,
        delivery: { attempt: 1 },
      });
      const detail = await getBudget(s, p, b.id);
      expect(detail.alerts.map((a: any) => [a.payload.threshold, a.deliveries[0].status])).toEqual([
        [100, 'delivered'],
        [50, 'delivered'],
      ]);

      // A restarted server knows what it announced this period.
      await s.stop();
      s = await startTestServer({}, dataDir, serverOptions);
      await s.evaluator.run();
      await s.ctx.notifier.idle();
      expect(receiver.received).toHaveLength(2);
      expect((await getBudget(s, p, b.id)).used).toBe(6);
    } finally {
      await receiver.close();
    }
  });

  it('retries a failed delivery with backoff and shows each delivery in the budget', async () => {
    const p = await newProject(s);
    const secret = 'another-shared-secret-0123';
    const flaky = await startReceiver(secret, (n) => (n === 0 ? 500 : 204));
    const down = await startReceiver(secret, () => 500);
    try {
      for (const url of [flaky.url, down.url])
        expect((await s.call('POST', '/api/v1/webhooks', { ...as(p), body: { url, secret } })).status).toBe(201);
      const b = await createBudget(s, p, { name: 'One call', metric: 'calls', limit: 1, thresholds: [100] });
      await ingest(s, p, [{ id: 'only', timestamp: Date.now(), model: 'gpt-4o' }]);
      await s.ctx.budgetTracker.idle();
      await s.ctx.notifier.idle();

      expect(flaky.received.map((r) => [r.status, r.body['delivery'].attempt, r.signatureValid])).toEqual([
        [500, 1, true],
        [204, 2, true],
      ]);
      expect(down.received.map((r) => r.body['delivery'].attempt)).toEqual([1, 2, 3]);
      const deliveries = new Map(
        (await getBudget(s, p, b.id)).alerts[0].deliveries.map((d: any) => [d.url, d] as const),
      );
      expect(deliveries.get(flaky.url)).toMatchObject({
        status: 'delivered',
        attempts: 2,
        response_status: 204,
        error: null,
        next_attempt_at: null,
      });
      expect(deliveries.get(down.url)).toMatchObject({
        status: 'failed',
        attempts: 3,
        response_status: 500,
        error: 'the receiver answered 500',
      });
    } finally {
      await flaky.close();
      await down.close();
    }
  });

  it('says what is wrong with a budget, and lets only manage keys change budgets', async () => {
    const p = await newProject(s);
    const bad = async (body: Record<string, unknown>) => {
      const r = await s.call('POST', '/api/v1/budgets', { ...as(p), body });
      expect(r.status).toBe(422);
      return r.body.error.message as string;
    };
    expect(await bad({ name: 'x', metric: 'calls', limit: 2.5 })).toContain(
      'must be a whole number for a calls budget',
    );
    expect(await bad({ name: 'x', metric: 'calls', limit: 5, period: 'rolling' })).toContain(
      'body.window_hours is required with period rolling',
    );
    expect(await bad({ name: 'x', metric: 'calls', limit: 5, tz: 'Mars/Olympus' })).toContain('IANA time zone');
    expect(await bad({ name: 'x', metric: 'calls' })).toContain("body.limit must have required property 'limit'");
    expect(await bad({ name: 'x', metric: 'dollars', limit: 5 })).toContain('metric');
    const b = await createBudget(s, p, { name: 'Calls', metric: 'calls', limit: 100 });
    const patch = await s.call('PATCH', `/api/v1/budgets/${b.id}`, { ...as(p), body: { period: 'rolling' } });
    expect(patch.status).toBe(422);
    expect(patch.body.error.message).toContain('body.window_hours is required with period rolling');
    const typo = await s.call('PATCH', `/api/v1/budgets/${b.id}`, { ...as(p), body: { limt: 5 } });
    expect(typo.body.error.message).toContain('body.limt is not a field of the budget change');
    const ok = await s.call('PATCH', `/api/v1/budgets/${b.id}`, {
      ...as(p),
      body: { period: 'rolling', window_hours: 6, limit: 50, hard: true },
    });
    expect(ok.body).toMatchObject({ period: 'rolling', window_hours: 6, limit: 50, hard: true, resets_at: null });

    const key = async (project: string, scope: string) =>
      (await s.call('POST', `/api/v1/projects/${project}/keys`, { key: ADMIN, body: { scope } })).body.key as string;
    const [read, manage, ingestKey] = [await key(p, 'read'), await key(p, 'manage'), await key(p, 'ingest')];
    expect((await s.call('GET', '/api/v1/budgets', { key: read })).body.budgets.map((x: any) => x.id)).toEqual([b.id]);
    const denied = await s.call('POST', '/api/v1/budgets', {
      key: read,
      body: { name: 'y', metric: 'calls', limit: 1 },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('needs a key with the manage scope');
    expect(
      (await s.call('POST', '/api/v1/budgets', { key: manage, body: { name: 'y', metric: 'calls', limit: 1 } })).status,
    ).toBe(201);
    expect((await s.call('GET', '/api/v1/budgets', { key: ingestKey })).status).toBe(403);
    const other = await key(await newProject(s), 'manage');
    expect((await s.call('GET', `/api/v1/budgets/${b.id}`, { key: other })).status).toBe(404);
    expect((await s.call('DELETE', `/api/v1/budgets/${b.id}`, { key: other })).status).toBe(404);
    expect((await s.call('DELETE', `/api/v1/budgets/${b.id}`, { key: manage })).body).toEqual({
      id: b.id,
      deleted: true,
    });
    expect((await s.call('GET', `/api/v1/budgets/${b.id}`, { key: read })).status).toBe(404);
  });
});

describe('hard budgets at the recording proxy', () => {
  it('let exactly as many of 50 concurrent requests through as the budget has left, and refuse the rest with 429', async () => {
    const upstream = await startProxyUpstream();
    const s = await startTestServer({ TALLY_UPSTREAM_OPENAI: `${upstream.url}/v1` });
    try {
      const p = await newProject(s);
      const b = await createBudget(s, p, {
        name: 'Twelve a day',
        metric: 'calls',
        limit: 12,
        period: 'day',
        hard: true,
      });
      await ingest(
        s,
        p,
        [0, 1].map((i) => ({ id: `sdk-${i}`, timestamp: Date.now(), model: 'gpt-4o' })),
      );
      const send = () =>
        fetch(`${s.url}/proxy/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'x-tally-project': p },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const answers = await Promise.all(Array.from({ length: 50 }, send));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((x) => x === 200)).toHaveLength(10);
      expect(statuses.filter((x) => x === 429)).toHaveLength(40);
      expect(upstream.received).toHaveLength(10);
      const refused = answers.find((r) => r.status === 429)!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as any).error.budget).toMatchObject({ id: b.id, limit: 12, metric: 'calls' });
      await Promise.all(answers.filter((r) => r !== refused).map((r) => r.text()));
      // Each forwarded request is settled with its recorded call: counted once, nothing left in flight.
      const after = await eventually(
        () => getBudget(s, p, b.id),
        (x) => x.in_flight === 0,
      );
      expect(after).toMatchObject({ used: 12, remaining: 0, percent: 100 });
    } finally {
      await s.stop();
      await upstream.close();
    }
  });
});
