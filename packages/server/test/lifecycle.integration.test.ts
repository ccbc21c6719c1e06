import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCalls, ingest, ms, type RawCall } from './dataset.js';
import { ADMIN, startTestServer, TEST_BACKEND, type TestServer } from './helpers.js';

const DAY = 86_400_000;
const admin = (project?: string) => ({ key: ADMIN, ...(project ? { headers: { 'x-tally-project': project } } : {}) });

async function createProject(s: TestServer, body: Record<string, unknown>): Promise<void> {
  const r = await s.call('POST', '/api/v1/projects', { ...admin(), body });
  if (r.status !== 201) throw new Error(`creating a project failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Every stored call id of a project, read back through the events route. */
async function storedIds(s: TestServer, project: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const r = await s.call('GET', `/api/v1/analytics/events?limit=1000${q}`, admin(project));
    expect(r.status).toBe(200);
    ids.push(...(r.body.events as { id: string }[]).map((e) => e.id));
    cursor = r.body.next_cursor;
  } while (cursor);
  return ids.sort();
}

const idsWhere = (calls: readonly RawCall[], keep: (c: RawCall) => boolean) =>
  calls
    .filter(keep)
    .map((c) => c.id)
    .sort();

/** Calls right at a retention boundary: one on it (kept), one a millisecond older (deleted). */
function boundaryCalls(cutoff: number, prefix: string): RawCall[] {
  return [
    { id: `${prefix}-on`, timestamp: new Date(cutoff).toISOString(), model: 'gpt-4o' },
    { id: `${prefix}-before`, timestamp: new Date(cutoff - 1).toISOString(), model: 'gpt-4o' },
  ];
}

describe('retention', () => {
  let s: TestServer;
  const now = Date.now();
  const calls = generateCalls(now, { count: 300, days: 25, seed: 11, idPrefix: 'r' });
  const tenDays = [...calls, ...boundaryCalls(now - 10 * DAY, 'edge10')];
  const sevenDays = [...calls, ...boundaryCalls(now - 7 * DAY, 'edge7')];

  beforeAll(async () => {
    s = await startTestServer({ TALLY_RETENTION_DAYS: '7' });
    await createProject(s, { id: 'short', name: 'Short', retention_days: 10 });
    await createProject(s, { id: 'long', name: 'Long', retention_days: 36500 });
    await ingest(s.call, tenDays, { project: 'short' });
    await ingest(s.call, sevenDays, { project: 'default' });
    await ingest(s.call, calls, { project: 'long' });
    const old = new Date(now - 12 * DAY).toISOString();
    const fresh = new Date(now - DAY).toISOString();
    const logs = {
      logs: [
        { timestamp: old, message: 'old' },
        { timestamp: fresh, message: 'fresh' },
      ],
    };
    const metrics = {
      metrics: [
        { timestamp: old, name: 'q', value: 1 },
        { timestamp: fresh, name: 'q', value: 2 },
      ],
    };
    expect((await s.call('POST', '/api/v1/ingest/app', { ...admin('short'), body: logs })).status).toBeLessThan(300);
    expect((await s.call('POST', '/api/v1/ingest/metrics', { ...admin('short'), body: metrics })).status).toBeLessThan(
      300,
    );
    // Read once before the sweep, so a stale cached answer would show afterwards.
    expect(await storedIds(s, 'short')).toHaveLength(tenDays.length);
  });
  afterAll(async () => {
    await s.stop();
  });

  it("deletes exactly the calls older than the project's retention_days, with their logs and metrics", async () => {
    const results = await s.retention.run(now);
    const kept = idsWhere(tenDays, (c) => ms(c) >= now - 10 * DAY);
    expect(kept).toContain('edge10-on');
    expect(kept).not.toContain('edge10-before');
    expect(await storedIds(s, 'short')).toEqual(kept);
    expect(await s.ctx.store.stats('short')).toMatchObject({ logs: 1, metrics: 1 });
    expect(results.find((r) => r.project_id === 'short')).toEqual({
      project_id: 'short',
      expired: tenDays.length - kept.length + 2,
      trimmed: 0,
    });
  });

  it("applies the server's TALLY_RETENTION_DAYS to projects without their own, and leaves the others", async () => {
    await s.retention.run(now);
    expect(await storedIds(s, 'default')).toEqual(idsWhere(sevenDays, (c) => ms(c) >= now - 7 * DAY));
    expect(await storedIds(s, 'long')).toEqual(idsWhere(calls, () => true));
  });

  it('reports the retention in /analytics/stats', async () => {
    const short = await s.call('GET', '/analytics/stats', admin('short'));
    expect(short.body).toEqual({
      total_events: idsWhere(tenDays, (c) => ms(c) >= now - 10 * DAY).length,
      backend_type: TEST_BACKEND,
      ttl_seconds: 10 * 86_400,
      max_events: null,
    });
    expect((await s.call('GET', '/analytics/stats', admin('default'))).body.ttl_seconds).toBe(7 * 86_400);
  });
});

describe('max_events', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.stop();
  });

  it('keeps exactly the newest max_events calls, ties broken by id', async () => {
    const now = Date.now();
    const calls = generateCalls(now, { count: 200, days: 3, seed: 5, idPrefix: 'm' });
    // Three calls at the same instant, so the cut falls among them.
    const tie = calls[0]!.timestamp;
    calls.push(...['m-tie-a', 'm-tie-b', 'm-tie-c'].map((id) => ({ id, timestamp: tie, model: 'gpt-4o' })));
    await createProject(s, { id: 'capped', name: 'Capped', max_events: 50 });
    await createProject(s, { id: 'uncapped', name: 'Uncapped' });
    await ingest(s.call, calls, { project: 'capped' });
    await ingest(s.call, calls, { project: 'uncapped' });
    await s.retention.run();
    const newest = [...calls]
      .sort((a, b) => ms(b) - ms(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, 50)
      .map((c) => c.id)
      .sort();
    expect(await storedIds(s, 'capped')).toEqual(newest);
    expect(await storedIds(s, 'uncapped')).toHaveLength(calls.length);
    const stats = await s.call('GET', '/analytics/stats', admin('capped'));
    expect(stats.body).toEqual({ total_events: 50, backend_type: TEST_BACKEND, ttl_seconds: null, max_events: 50 });
  });

  it('runs on its own shortly after start and again at every interval', async () => {
    const timed = await startTestServer({}, undefined, { retention: { firstRunMs: 20, intervalMs: 100 } });
    try {
      await createProject(timed, { id: 'auto', name: 'Auto', max_events: 10 });
      const calls = generateCalls(Date.now(), { count: 40, days: 1, seed: 3, idPrefix: 'a' });
      await ingest(timed.call, calls, { project: 'auto' });
      let total = -1;
      for (let i = 0; i < 200 && total !== 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        total = (await timed.call('GET', '/analytics/stats', admin('auto'))).body.total_events;
      }
      expect(total).toBe(10);
    } finally {
      await timed.stop();
    }
  });
});

describe('POST /analytics/clear', () => {
  let s: TestServer;
  const keys: Record<string, string> = {};
  const calls = generateCalls(Date.now(), { count: 60, days: 2, seed: 9, idPrefix: 'x' });

  beforeAll(async () => {
    s = await startTestServer();
    for (const id of ['a', 'b']) {
      await createProject(s, { id, name: id.toUpperCase() });
      await ingest(s.call, calls, { project: id });
    }
    for (const scope of ['ingest', 'read', 'manage']) {
      const r = await s.call('POST', '/api/v1/projects/a/keys', { ...admin(), body: { scope } });
      keys[scope] = r.body.key;
    }
  });
  afterAll(async () => {
    await s.stop();
  });

  it('needs a manage key or the admin token', async () => {
    for (const scope of ['read', 'ingest']) {
      const r = await s.call('POST', '/analytics/clear', { key: keys[scope]! });
      expect(r.status).toBe(403);
      expect(r.body.error.message).toContain('manage scope');
    }
    expect((await s.call('POST', '/analytics/clear')).status).toBe(401);
    expect((await s.call('GET', '/analytics/stats', { key: keys['read']! })).body.total_events).toBe(calls.length);
  });

  it("empties the caller's project only, calls, logs and metrics alike", async () => {
    const logged = await s.call('POST', '/api/v1/ingest/app', { key: keys['ingest']!, body: { message: 'hello' } });
    expect(logged.status).toBeLessThan(300);
    expect(await storedIds(s, 'a')).toHaveLength(calls.length);
    const r = await s.call('POST', '/analytics/clear', { key: keys['manage']! });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, message: 'Analytics data cleared' });
    expect(await storedIds(s, 'a')).toEqual([]);
    expect(await s.ctx.store.stats('a')).toEqual({ calls: 0, logs: 0, metrics: 0 });
    expect((await s.call('GET', '/analytics/stats', { key: keys['read']! })).body.total_events).toBe(0);
    expect(await storedIds(s, 'b')).toHaveLength(calls.length);
  });

  it('lets the admin clear a project named with x-tally-project', async () => {
    const r = await s.call('POST', '/analytics/clear', admin('b'));
    expect(r.status).toBe(200);
    expect(await storedIds(s, 'b')).toEqual([]);
    expect((await s.call('POST', '/analytics/clear', admin('nope'))).status).toBe(404);
  });
});

describe('PATCH /api/v1/projects/{id}', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
    await createProject(s, { id: 'p', name: 'P' });
  });
  afterAll(async () => {
    await s.stop();
  });

  it('sets and clears retention_days and max_events', async () => {
    const set = await s.call('PATCH', '/api/v1/projects/p', {
      ...admin(),
      body: { retention_days: 30, max_events: 1000, name: 'P2' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: 'p', name: 'P2', retention_days: 30, max_events: 1000 });
    const cleared = await s.call('PATCH', '/api/v1/projects/p', { ...admin(), body: { retention_days: null } });
    expect(cleared.body).toMatchObject({ retention_days: null, max_events: 1000 });
    const listed = (await s.call('GET', '/api/v1/projects', admin())).body.projects.find(
      (x: { id: string }) => x.id === 'p',
    );
    expect(listed).toMatchObject({ name: 'P2', retention_days: null, max_events: 1000 });
  });

  it('rejects bad values with 422 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ retention_days: 0 }, 'body.retention_days'],
      [{ retention_days: 36501 }, 'body.retention_days'],
      [{ retention_days: 'thirty' }, 'body.retention_days'],
      [{ max_events: 0 }, 'body.max_events'],
      [{ max_events: 1_000_000_001 }, 'body.max_events'],
      [{ max_events: 2.5 }, 'body.max_events'],
      [{ capture_policy: 'some' }, 'body.capture_policy'],
      [{ retention: 30 }, 'body.retention'],
      [{}, 'body'],
    ];
    for (const [body, path] of cases) {
      const r = await s.call('PATCH', '/api/v1/projects/p', { ...admin(), body });
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.body.error.fields.map((f: { path: string }) => f.path)).toContain(path);
    }
    const words = await s.call('PATCH', '/api/v1/projects/p', { ...admin(), body: { retention_days: 'thirty' } });
    expect(words.body.error.message).toContain('retention_days must be a whole number from 1 to 36500');
    const created = await s.call('POST', '/api/v1/projects', { ...admin(), body: { name: 'Q', max_events: -1 } });
    expect(created.status).toBe(422);
    expect((await s.call('GET', '/api/v1/projects/p', admin())).status).toBe(404);
  });

  it('is for the admin only, and says when the project does not exist', async () => {
    const key = (await s.call('POST', '/api/v1/projects/p/keys', { ...admin(), body: { scope: 'manage' } })).body.key;
    expect((await s.call('PATCH', '/api/v1/projects/p', { key, body: { retention_days: 5 } })).status).toBe(403);
    const missing = await s.call('PATCH', '/api/v1/projects/nope', { ...admin(), body: { retention_days: 5 } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('project nope does not exist');
  });
});
