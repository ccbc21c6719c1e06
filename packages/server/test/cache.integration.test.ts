import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCalls, ingest } from './dataset.js';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';

const QUESTION = '/api/v1/analytics/events?limit=5';

async function cacheCounters(s: TestServer): Promise<{ hits: number; misses: number; ttl_seconds: number }> {
  return (await s.call('GET', '/api/v1/status')).body.query_cache;
}

/** A call newer than every generated one, so it heads the newest-first page. */
const newest = (id: string) => ({ id, timestamp: new Date(Date.now() - 1000).toISOString(), model: 'gpt-4o' });

describe('query cache', () => {
  let s: TestServer;
  beforeAll(async () => {
    // A long lifetime, so a slow machine cannot see an answer expire between two requests.
    s = await startTestServer({ TALLY_QUERY_CACHE_SECONDS: '600' });
    await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'other', name: 'Other' } });
    await ingest(s.call, generateCalls(Date.now() - 60_000, { count: 30, days: 2, seed: 4 }));
  });
  afterAll(async () => {
    await s.stop();
  });

  it('answers an identical question from memory and shows it in /api/v1/status', async () => {
    const before = await cacheCounters(s);
    expect(before.ttl_seconds).toBe(600);
    const first = await s.call('GET', QUESTION);
    const second = await s.call('GET', QUESTION);
    expect(second.body).toEqual(first.body);
    const after = await cacheCounters(s);
    expect(after.misses).toBe(before.misses + 1);
    expect(after.hits).toBe(before.hits + 1);
  });

  it('answers afresh after a write to the same project', async () => {
    await s.call('GET', QUESTION);
    const before = await cacheCounters(s);
    await ingest(s.call, [newest('fresh-1')]);
    const page = await s.call('GET', QUESTION);
    expect(page.body.events[0].id).toBe('fresh-1');
    expect((await cacheCounters(s)).hits).toBe(before.hits);
  });

  it('keeps its answers when another project is written to', async () => {
    const cached = await s.call('GET', QUESTION);
    const before = await cacheCounters(s);
    await ingest(s.call, [newest('elsewhere-1')], { project: 'other' });
    const again = await s.call('GET', QUESTION);
    expect(again.body).toEqual(cached.body);
    expect((await cacheCounters(s)).hits).toBe(before.hits + 1);
  });

  it('answers afresh after the project is cleared', async () => {
    expect((await s.call('GET', QUESTION)).body.events.length).toBe(5);
    expect((await s.call('POST', '/analytics/clear')).status).toBe(200);
    expect((await s.call('GET', QUESTION)).body.events).toEqual([]);
  });
});

describe('query cache turned off (TALLY_QUERY_CACHE_SECONDS=0)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ TALLY_QUERY_CACHE_SECONDS: '0' });
    await ingest(s.call, generateCalls(Date.now() - 60_000, { count: 10, days: 1, seed: 8 }));
  });
  afterAll(async () => {
    await s.stop();
  });

  it('never answers from memory', async () => {
    await s.call('GET', QUESTION);
    await s.call('GET', QUESTION);
    await ingest(s.call, [newest('fresh-2')]);
    expect((await s.call('GET', QUESTION)).body.events[0].id).toBe('fresh-2');
    expect(await cacheCounters(s)).toMatchObject({ hits: 0, ttl_seconds: 0 });
  });
});
