import { randomBytes } from 'node:crypto';
import { createStore } from '@tally/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../src/auth/auth-service.js';
import { loadConfig } from '../src/config.js';
import { ProjectService } from '../src/projects/project-service.js';
import { SharedRefresh } from '../src/projects/shared-refresh.js';
import { openTally } from '../src/tally.js';
import { ADMIN, minutesAgo, startTestServerOn, tempDir, testDatabase, type TestServer } from './helpers.js';

// Two API replicas on one PostgreSQL database, each with its own memory of keys, projects and prices: what is
// changed through one must reach the other through the periodic reload (TALLY_SHARED_REFRESH_SECONDS=1 here).

/** Polls until `check` holds; the reload interval is a promise about behaviour, never a timing to assert. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const unique = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;

describe('two replicas on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // One data directory: both servers get the same PostgreSQL database from the helpers.
    const dataDir = tempDir();
    const env = { TALLY_SHARED_REFRESH_SECONDS: '1' };
    a = await startTestServerOn('postgres', env, dataDir);
    b = await startTestServerOn('postgres', env, dataDir);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  /** A project made through A, once B knows it too (B accepts the admin's ingest into it). */
  async function projectOnBoth(body: Record<string, unknown> = {}): Promise<string> {
    const id = unique('shared');
    expect((await a.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id, ...body } })).status).toBe(
      201,
    );
    await eventually(`replica B to know project ${id}`, async () => (await ingestOnB(id, {})).status === 201);
    return id;
  }

  /** One call ingested through B into `project` with the admin token; returns the answer and the call's id. */
  async function ingestOnB(project: string, fields: Record<string, unknown>) {
    const id = unique('call');
    const r = await b.call('POST', '/api/v1/ingest/llm', {
      key: ADMIN,
      headers: { 'x-tally-project': project },
      body: { id, timestamp: minutesAgo(1), provider: 'openai', model: 'gpt-4o', ...fields },
    });
    return { status: r.status, id };
  }

  /** A stored call, read through A (the store is shared, so either replica answers the same). */
  async function storedCall(project: string, id: string) {
    const r = await a.call('GET', `/api/v1/events/${id}`, { key: ADMIN, headers: { 'x-tally-project': project } });
    expect(r.status).toBe(200);
    return r.body as { input_text: string | null; cost_usd: number | null; price_model_id: string | null };
  }

  it('accepts on B a key created through A, and refuses it on B once A revoked it', async () => {
    const project = await projectOnBoth();
    const created = await a.call('POST', `/api/v1/projects/${project}/keys`, {
      key: ADMIN,
      body: { scope: 'read', name: 'replicas' },
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const readOnB = async () => (await b.call('GET', '/api/v1/analytics/events', { key })).status;
    // A knows its own key at once; B learns it from the store.
    expect((await a.call('GET', '/api/v1/analytics/events', { key })).status).toBe(200);
    await eventually('replica B to accept the new key', async () => (await readOnB()) === 200);

    const revoked = await a.call('DELETE', `/api/v1/projects/${project}/keys/${created.body.id}`, { key: ADMIN });
    expect(revoked.status).toBe(200);
    expect((await a.call('GET', '/api/v1/analytics/events', { key })).status).toBe(401);
    await eventually('replica B to refuse the revoked key', async () => (await readOnB()) === 401);
  });

  it("applies a capture policy changed through A to B's ingest", async () => {
    const project = await projectOnBoth({ capture_policy: 'full' });
    const first = await ingestOnB(project, { input_text: 'the prompt' });
    expect(first.status).toBe(201);
    expect((await storedCall(project, first.id)).input_text).toBe('the prompt');

    const patched = await a.call('PATCH', `/api/v1/projects/${project}`, {
      key: ADMIN,
      body: { capture_policy: 'none' },
    });
    expect(patched.status).toBe(200);
    await eventually('replica B to drop the text of new calls', async () => {
      const call = await ingestOnB(project, { input_text: 'the prompt' });
      expect(call.status).toBe(201);
      return (await storedCall(project, call.id)).input_text === null;
    });
  });

  it("prices B's ingested calls with a price override created through A", async () => {
    const project = await projectOnBoth();
    const tokens = { input_tokens: 1_000_000, output_tokens: 1_000_000 };
    const before = await ingestOnB(project, tokens);
    expect(await storedCall(project, before.id)).toMatchObject({ cost_usd: 12.5, price_model_id: 'openai/gpt-4o' });

    const added = await a.call('POST', `/api/v1/projects/${project}/prices`, {
      key: ADMIN,
      body: { model: 'gpt-4o', effective_from: minutesAgo(30), input_per_mtok: 1, output_per_mtok: 4 },
    });
    expect(added.status).toBe(201);
    await eventually('replica B to price calls with the override', async () => {
      const call = await ingestOnB(project, tokens);
      expect(call.status).toBe(201);
      const stored = await storedCall(project, call.id);
      return stored.cost_usd === 5 && stored.price_model_id === 'override:gpt-4o';
    });
  });
});

describe('the first start of two processes on an empty PostgreSQL database', () => {
  const configOn = (url: string) =>
    // No TALLY_ADMIN_TOKEN: each process would generate one.
    loadConfig({ TALLY_DATA_DIR: tempDir(), TALLY_STORE: url, TALLY_LOG_LEVEL: 'silent' });

  it('generates one admin token between them, and it works on both', async () => {
    const database = await testDatabase(tempDir());
    const settled = await Promise.allSettled([openTally(configOn(database.url)), openTally(configOn(database.url))]);
    const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      expect(opened).toHaveLength(2);
      const tokens = opened.map((o) => o.generatedAdminToken).filter((t): t is string => t !== null);
      expect(tokens).toHaveLength(1);
      for (const o of opened) expect(o.ctx.auth.authenticate(tokens[0]!, 'admin')).toEqual({ kind: 'admin' });
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
  }, 60_000);

  it('prints only the token that was stored when several found none', async () => {
    // The migrations' advisory lock tends to space two starts out; here both stores are open before either
    // process settles its token, so both find none and both generate one: the moment the race happens.
    const database = await testDatabase(tempDir());
    const stores = [createStore(configOn(database.url).store), createStore(configOn(database.url).store)];
    for (const s of stores) await s.init();
    try {
      // Three processes' worth on each store, so that at least two of them find no token most surely.
      const auths = [...stores, ...stores, ...stores].map((s) => new AuthService(s));
      const printed = (await Promise.all(auths.map((a) => a.init(null)))).filter((t): t is string => t !== null);
      expect(printed).toHaveLength(1);
      for (const a of auths) expect(a.authenticate(printed[0]!, 'admin')).toEqual({ kind: 'admin' });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 60_000);
});

describe('a reload that fails', () => {
  it('keeps the keys and projects loaded before, and warns once per run of failures', async () => {
    const database = await testDatabase(tempDir());
    const store = createStore(loadConfig({ TALLY_DATA_DIR: tempDir(), TALLY_STORE: database.url }).store);
    await store.init();
    const logged: string[] = [];
    const log = {
      info: (_: object, message: string) => logged.push(`info: ${message}`),
      warn: (fields: object, message: string) => logged.push(`warn: ${message} ${JSON.stringify(fields)}`),
      error: (_: object, message: string) => logged.push(`error: ${message}`),
    };
    const auth = new AuthService(store);
    await auth.init(ADMIN);
    const projects = new ProjectService(store, auth, 'full');
    await projects.init();
    // Far off: the test runs the reloads itself.
    const refresh = SharedRefresh.start({ auth, projects, log }, 3_600_000);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const project = await projects.create({ name: 'Kept' });
      const { key } = await projects.createKey(project.id, 'read');
      await refresh.reload();
      expect(logged).toEqual([]);

      // The keys and projects tables out of reach, as in a failover: every reload fails.
      await db.query('ALTER TABLE api_keys RENAME TO api_keys_away');
      await db.query('ALTER TABLE projects RENAME TO projects_away');
      for (let i = 0; i < 3; i++) await refresh.reload();
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/^warn: reloading API keys, projects and price overrides from the store failed/);
      expect(auth.authenticate(key, 'read')).toMatchObject({ kind: 'key', projectId: project.id });
      expect(projects.require(project.id).name).toBe('Kept');

      await db.query('ALTER TABLE api_keys_away RENAME TO api_keys');
      await db.query('ALTER TABLE projects_away RENAME TO projects');
      await refresh.reload();
      await refresh.reload();
      expect(logged).toHaveLength(2);
      expect(logged[1]).toMatch(/^info: .* works again$/);
      expect(auth.authenticate(key, 'read')).toMatchObject({ kind: 'key', projectId: project.id });
    } finally {
      await refresh.stop();
      await db.end();
      await store.close();
    }
  });
});
