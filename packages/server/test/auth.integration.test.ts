import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/serve.js';
import { ADMIN, minutesAgo, startTestServer, tempDir, type TestServer } from './helpers.js';

describe('projects, keys and isolation', () => {
  let s: TestServer;
  let ingestA: string;
  let readA: string;
  let readB: string;
  beforeAll(async () => {
    s = await startTestServer();
    for (const id of ['alpha', 'beta']) {
      const r = await s.call('POST', '/api/v1/projects', { body: { id, name: id.toUpperCase() }, key: ADMIN });
      expect(r.status).toBe(201);
    }
    const key = async (project: string, scope: string) => {
      const r = await s.call('POST', `/api/v1/projects/${project}/keys`, {
        body: { scope, name: `${project}-${scope}` },
        key: ADMIN,
      });
      expect(r.status).toBe(201);
      expect(r.body.key).toMatch(/^tly_/);
      return r.body.key as string;
    };
    ingestA = await key('alpha', 'ingest');
    readA = await key('alpha', 'read');
    readB = await key('beta', 'read');
  });
  afterAll(async () => {
    await s.stop();
  });

  it('leaves open mode once a key exists: no key → 401, a wrong key → 401', async () => {
    const body = { timestamp: minutesAgo(1), model: 'gpt-4o' };
    expect((await s.call('POST', '/api/v1/ingest/llm', { body })).status).toBe(401);
    expect((await s.call('POST', '/api/v1/ingest/llm', { body, key: 'tly_not-a-real-key' })).status).toBe(401);
    expect((await s.call('GET', '/api/v1/status')).body.auth.mode).toBe('protected');
  });

  it('lets a key write and read its own project only', async () => {
    const write = await s.call('POST', '/api/v1/ingest/llm', {
      body: { id: 'iso-1', timestamp: minutesAgo(1), model: 'gpt-4o' },
      key: ingestA,
    });
    expect(write.status).toBe(201);
    expect((await s.call('GET', '/api/v1/events/iso-1', { key: readA })).body.project_id).toBe('alpha');
    expect((await s.call('GET', '/api/v1/events/iso-1', { key: readB })).status).toBe(404);
    expect((await s.call('GET', '/api/v1/analytics/events', { key: readB })).body.events).toEqual([]);
    const cross = await s.call('POST', '/api/v1/ingest/llm', {
      body: { timestamp: minutesAgo(1), model: 'gpt-4o' },
      key: ingestA,
      headers: { 'x-tally-project': 'beta' },
    });
    expect(cross.status).toBe(403);
    const crossRead = await s.call('GET', '/api/v1/analytics/events', {
      key: readA,
      headers: { 'x-tally-project': 'beta' },
    });
    expect(crossRead.status).toBe(403);
  });

  it('ignores a project_id in the body', async () => {
    await s.call('POST', '/api/v1/ingest/llm', {
      body: { id: 'iso-2', project_id: 'beta', timestamp: minutesAgo(1), model: 'gpt-4o' },
      key: ingestA,
    });
    expect((await s.call('GET', '/api/v1/events/iso-2', { key: readB })).status).toBe(404);
    const own = await s.call('GET', '/api/v1/events/iso-2', { key: readA });
    expect(own.body.project_id).toBe('alpha');
    expect(own.body.metadata).toEqual({});
  });

  it('enforces scopes: an ingest key cannot read, a project key cannot manage', async () => {
    expect((await s.call('GET', '/api/v1/analytics/events', { key: ingestA })).status).toBe(403);
    expect((await s.call('POST', '/api/v1/projects', { body: { name: 'x' }, key: readA })).status).toBe(403);
    const listed = await s.call('GET', '/api/v1/projects', { key: readA });
    expect(listed.body.projects.map((p: { id: string }) => p.id)).toEqual(['alpha']);
  });

  it('never shows a key again and stops accepting a revoked one', async () => {
    const keys = await s.call('GET', '/api/v1/projects/beta/keys', { key: ADMIN });
    expect(JSON.stringify(keys.body)).not.toContain(readB);
    expect(JSON.stringify(keys.body)).not.toContain('key_hash');
    const id = keys.body.keys[0].id as string;
    expect((await s.call('DELETE', `/api/v1/projects/beta/keys/${id}`, { key: ADMIN })).status).toBe(200);
    expect((await s.call('GET', '/api/v1/analytics/events', { key: readB })).status).toBe(401);
  });

  it('deletes a project with its data and keys', async () => {
    await s.call('POST', '/api/v1/projects', { body: { id: 'gamma', name: 'Gamma' }, key: ADMIN });
    const k = (await s.call('POST', '/api/v1/projects/gamma/keys', { body: { scope: 'read' }, key: ADMIN })).body
      .key as string;
    await s.call('POST', '/api/v1/ingest/llm', {
      body: { id: 'g1', timestamp: minutesAgo(1), model: 'gpt-4o' },
      key: k,
    });
    expect((await s.call('DELETE', '/api/v1/projects/gamma', { key: ADMIN })).status).toBe(200);
    expect((await s.call('GET', '/api/v1/events/g1', { key: k })).status).toBe(401);
    expect((await s.call('DELETE', '/api/v1/projects/gamma', { key: ADMIN })).status).toBe(404);
    expect((await s.call('POST', '/api/v1/projects', { body: { id: 'alpha', name: 'dup' }, key: ADMIN })).status).toBe(
      409,
    );
  });
});

describe('protected mode', () => {
  it('refuses to listen on a non-loopback address while no key exists, saying how to create one', async () => {
    const config = loadConfig({
      TALLY_HOST: '0.0.0.0',
      TALLY_PORT: '0',
      TALLY_DATA_DIR: tempDir(),
      TALLY_LOG_LEVEL: 'silent',
    });
    await expect(startServer(config, () => undefined)).rejects.toThrow(/tally keys create --project default/);
  });

  it('serves the default project without a key on loopback, and prints a generated admin token once', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const config = loadConfig({ TALLY_PORT: '0', TALLY_DATA_DIR: dir, TALLY_LOG_LEVEL: 'silent' });
    const first = await startServer(config, (l) => lines.push(l));
    const token = /(tly_admin_\S+)/.exec(lines.join('\n'))?.[1];
    expect(token).toBeDefined();
    const r = await fetch(`${first.url}/api/v1/ingest/llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timestamp: minutesAgo(1), model: 'gpt-4o' }),
    });
    expect(r.status).toBe(201);
    await first.stop();
    const again: string[] = [];
    const second = await startServer(config, (l) => again.push(l));
    expect(again.join('\n')).not.toContain('tly_admin_');
    const withKey = await fetch(`${second.url}/api/v1/projects/default/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"scope":"read"}',
    });
    expect(withKey.status).toBe(201);
    await second.stop();
    // With a key in the store, the same data directory may now be served on every address.
    const open = await startServer(
      loadConfig({ TALLY_HOST: '0.0.0.0', TALLY_PORT: '0', TALLY_DATA_DIR: dir, TALLY_LOG_LEVEL: 'silent' }),
      () => undefined,
    );
    await open.stop();
  });

  it('answers /health with 503 when the store cannot answer', async () => {
    const s = await startTestServer();
    await s.ctx.store.close();
    const r = await s.call('GET', '/health');
    expect(r.status).toBe(503);
    expect(r.body.status).toBe('unhealthy');
    const write = await s.call('POST', '/api/v1/ingest/llm', { body: { timestamp: minutesAgo(1), model: 'gpt-4o' } });
    expect(write.status).toBe(503);
    await s.stop();
  });
});

describe('price overrides', () => {
  it('prices calls at or after the effective date with the override, and earlier calls from the book', async () => {
    const s = await startTestServer();
    try {
      const add = await s.call('POST', '/api/v1/projects/default/prices', {
        key: ADMIN,
        body: { model: 'gpt-4o', effective_from: minutesAgo(30), input_per_mtok: 1, output_per_mtok: 4 },
      });
      expect(add.status).toBe(201);
      const body = (id: string, at: string) => ({
        id,
        timestamp: at,
        provider: 'openai',
        model: 'gpt-4o',
        input_tokens: 1_000_000,
        output_tokens: 1_000_000,
      });
      await s.call('POST', '/api/v1/ingest/llm/bulk', {
        body: { events: [body('before', minutesAgo(60)), body('after', minutesAgo(10))] },
      });
      const before = (await s.call('GET', '/api/v1/events/before')).body;
      const after = (await s.call('GET', '/api/v1/events/after')).body;
      expect(after).toMatchObject({ cost_usd: 5, price_model_id: 'override:gpt-4o' });
      expect(before).toMatchObject({ cost_usd: 12.5, price_model_id: 'openai/gpt-4o' });
      const bad = await s.call('POST', '/api/v1/projects/default/prices', {
        key: ADMIN,
        body: { model: 'x', effective_from: 'not a date', input_per_mtok: 1, output_per_mtok: 1 },
      });
      expect(bad.status).toBe(422);
      expect((await s.call('DELETE', `/api/v1/projects/default/prices/${add.body.id}`, { key: ADMIN })).status).toBe(
        200,
      );
      await s.call('POST', '/api/v1/ingest/llm', { body: body('later', minutesAgo(5)) });
      expect((await s.call('GET', '/api/v1/events/later')).body.cost_usd).toBe(12.5);
    } finally {
      await s.stop();
    }
  });
});
