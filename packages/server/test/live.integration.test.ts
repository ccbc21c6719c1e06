import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Agent, fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.js';

interface Frame {
  event: string;
  id: string | null;
  data: any;
}

/** A live stream read as a browser's fetch reads it: the body, chunk by chunk, split into Server-Sent Events. */
interface LiveClient {
  status: number;
  headers: Headers;
  /** The next event (comments are skipped); null once the server ended the stream. */
  next(): Promise<Frame | null>;
  /** Events up to and including the first `call` event whose id is `id`. */
  until(id: string): Promise<Frame[]>;
  close(): void;
}

/** Splits Server-Sent Events text into frames; returns them and the unfinished rest. */
function parseFrames(text: string): { frames: Frame[]; rest: string } {
  const frames: Frame[] = [];
  let rest = text;
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const frame: Frame = { event: 'message', id: null, data: null };
    let isComment = true;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      isComment = false;
      const at = line.indexOf(': ');
      const [field, value] = at >= 0 ? [line.slice(0, at), line.slice(at + 2)] : [line, ''];
      if (field === 'event') frame.event = value;
      else if (field === 'id') frame.id = value;
      else if (field === 'data') frame.data = JSON.parse(value);
    }
    if (!isComment) frames.push(frame);
  }
  return { frames, rest };
}

async function openLive(
  s: TestServer,
  query: string,
  auth: { key?: string; project?: string } = { key: ADMIN },
): Promise<LiveClient> {
  const controller = new AbortController();
  // A connection of its own, gone when the client closes: an aborted request must not leave one behind in a
  // shared pool, where it would hold the server's shutdown until it timed out.
  const dispatcher = new Agent({ connections: 1 });
  const headers: Record<string, string> = {};
  if (auth.key) headers['authorization'] = `Bearer ${auth.key}`;
  if (auth.project) headers['x-tally-project'] = auth.project;
  const r = await fetch(`${s.url}/api/v1/live${query}`, { headers, signal: controller.signal, dispatcher });
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const queue: Frame[] = [];
  let done = false;
  const next = async (): Promise<Frame | null> => {
    while (queue.length === 0 && !done) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) {
        done = true;
        break;
      }
      const parsed = parseFrames(buffered + decoder.decode(chunk.value, { stream: true }));
      buffered = parsed.rest;
      queue.push(...parsed.frames);
    }
    return queue.shift() ?? null;
  };
  return {
    status: r.status,
    headers: r.headers,
    next,
    async until(id) {
      const out: Frame[] = [];
      for (;;) {
        const f = await next();
        if (!f) throw new Error(`the stream ended before call ${id} arrived; got ${JSON.stringify(out)}`);
        out.push(f);
        if (f.event === 'call' && f.id === id) return out;
      }
    },
    close: () => {
      controller.abort();
      void dispatcher.destroy();
    },
  };
}

async function ingest(s: TestServer, project: string, events: Record<string, unknown>[], key = ADMIN) {
  const r = await s.call('POST', '/api/v1/ingest/llm/bulk', {
    key,
    headers: key === ADMIN ? { 'x-tally-project': project } : {},
    body: { events },
  });
  expect(r.status).toBe(207);
  expect(r.body.rejected).toBe(0);
}

async function createProject(s: TestServer, id: string): Promise<void> {
  expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } })).status).toBe(201);
}

/** The calls the events API lists for a project and query, oldest first (as a live stream sends them). */
async function listed(s: TestServer, project: string, query: string): Promise<any[]> {
  const r = await s.call('GET', `/api/v1/analytics/events?limit=1000&${query}`, {
    key: ADMIN,
    headers: { 'x-tally-project': project },
  });
  expect(r.status).toBe(200);
  return (r.body.events as any[]).reverse();
}

/** Waits until the server holds `n` live streams (it notices a closed connection on its own time). */
async function streamsOpen(s: TestServer, n: number): Promise<void> {
  for (let i = 0; i < 500 && s.ctx.live.subscribers !== n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(s.ctx.live.subscribers).toBe(n);
}

const newId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('GET /api/v1/live', () => {
  it('streams exactly the matching calls of its own project, in order, as the events API lists them', async () => {
    const s = await startTestServer();
    try {
      const a = newId('live-a');
      const b = newId('live-b');
      for (const p of [a, b]) await createProject(s, p);
      // Filters with every kind of matching: a dimension, an exclusion that keeps nulls, a tag exclusion, a
      // metadata key compared as text, a number compared as text.
      const queries = [
        'model=gpt-4o',
        'user_id=!u1',
        'tag=!beta',
        'metadata.team=search&metadata.tier=2',
        'status_code=200,429&provider=openai',
      ];
      const streams = await Promise.all(queries.map((q) => openLive(s, `?${q}`, { key: ADMIN, project: a })));
      for (const [i, live] of streams.entries()) {
        expect(live.status).toBe(200);
        expect(live.headers.get('content-type')).toBe('text/event-stream');
        expect(live.headers.get('cache-control')).toBe('no-cache');
        expect(live.headers.get('x-accel-buffering')).toBe('no');
        const ready = await live.next();
        expect(ready?.event).toBe('ready');
        expect(ready?.data.project_id).toBe(a);
        expect(ready?.data.filters.length).toBe(queries[i]!.split('&').length);
      }

      const t0 = Date.now() - 60_000;
      const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5'];
      const calls = (project: string, n: number, from: number) =>
        Array.from({ length: n }, (_, i) => ({
          id: `${project}-${String(from + i).padStart(3, '0')}`,
          timestamp: t0 + (from + i) * 10,
          provider: i % 3 === 2 ? 'anthropic' : 'openai',
          model: models[i % 3],
          input_tokens: 10 + i,
          output_tokens: i,
          ...(i % 4 === 1 ? { user_id: 'u1' } : i % 4 === 2 ? { user_id: 'u2' } : {}),
          ...(i % 5 === 0 ? {} : { status_code: [200, 429, 500, 200][i % 4] }),
          tags: i % 2 ? ['beta'] : i % 3 ? ['gamma'] : [],
          metadata: i % 3 === 0 ? { team: 'search', tier: 2 } : i % 3 === 1 ? { team: 'search', tier: '3' } : {},
        }));
      // Two requests into each project, interleaved, so that the stream spans several commits.
      await ingest(s, a, calls(a, 20, 0));
      await ingest(s, b, calls(b, 20, 0));
      await ingest(s, a, calls(a, 20, 20));
      await ingest(s, b, calls(b, 5, 20));
      // A last call every filter keeps: once it arrives, everything before it has.
      const last = {
        id: `${a}-zzz`,
        timestamp: t0 + 1000,
        provider: 'openai',
        model: 'gpt-4o',
        status_code: 200,
        tags: ['gamma'],
        metadata: { team: 'search', tier: 2 },
      };
      await ingest(s, a, [last]);

      for (const [i, live] of streams.entries()) {
        const frames = await live.until(last.id);
        const expected = await listed(s, a, queries[i]!);
        expect(expected.length).toBeGreaterThan(1);
        expect(frames.every((f) => f.event === 'call')).toBe(true);
        expect(frames.map((f) => f.id)).toEqual(expected.map((e) => e.id));
        expect(frames.map((f) => f.data)).toEqual(expected);
        expect(frames.some((f) => f.data.project_id !== a)).toBe(false);
        live.close();
      }
      // The first stream, spelled out: only project a's gpt-4o calls, in the order stored.
      expect((await listed(s, a, queries[0]!)).map((e) => e.id)).toEqual([
        ...[0, 3, 6, 9, 12, 15, 18].map((n) => `${a}-${String(n).padStart(3, '0')}`),
        ...[20, 23, 26, 29, 32, 35, 38].map((n) => `${a}-${String(n).padStart(3, '0')}`),
        last.id,
      ]);
    } finally {
      await s.stop();
    }
  }, 90_000);

  it("answers a project key with its own project's calls only, and refuses it another project", async () => {
    const s = await startTestServer();
    try {
      const a = newId('live-a');
      const b = newId('live-b');
      const keys: Record<string, string> = {};
      for (const p of [a, b]) {
        await createProject(s, p);
        keys[p] = (
          await s.call('POST', `/api/v1/projects/${p}/keys`, { key: ADMIN, body: { scope: 'read' } })
        ).body.key;
      }
      const refused = await fetch(`${s.url}/api/v1/live`, {
        headers: { authorization: `Bearer ${keys[a]}`, 'x-tally-project': b },
      });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as any).error.code).toBe('forbidden');
      expect((await fetch(`${s.url}/api/v1/live`)).status).toBe(401);

      const live = await openLive(s, '', { key: keys[a] });
      expect(live.status).toBe(200);
      expect((await live.next())?.data).toEqual({ project_id: a, filters: [] });
      await ingest(s, b, [{ id: 'b-1', timestamp: Date.now(), model: 'gpt-4o' }], keys[b]);
      await ingest(s, a, [{ id: 'a-1', timestamp: Date.now(), model: 'gpt-4o' }], keys[a]);
      const frame = await live.next();
      expect([frame?.event, frame?.id, frame?.data.project_id]).toEqual(['call', 'a-1', a]);
      live.close();
    } finally {
      await s.stop();
    }
  });

  it('refuses filters it cannot read before streaming, with the events API error', async () => {
    const s = await startTestServer();
    try {
      const r = await s.call('GET', '/api/v1/live?model=!', { key: ADMIN });
      expect(r.status).toBe(422);
      expect(r.body.error.message).toContain('model needs at least one value');
      expect(s.ctx.live.subscribers).toBe(0);
    } finally {
      await s.stop();
    }
  });

  it('forgets a client that disconnects, and keeps serving the others', async () => {
    const s = await startTestServer();
    try {
      const p = newId('live');
      await createProject(s, p);
      const leaving = await openLive(s, '', { key: ADMIN, project: p });
      const staying = await openLive(s, '', { key: ADMIN, project: p });
      for (const live of [leaving, staying]) expect((await live.next())?.event).toBe('ready');
      expect(s.ctx.live.subscribers).toBe(2);
      leaving.close();
      await streamsOpen(s, 1);
      await ingest(s, p, [{ id: 'after', timestamp: Date.now(), model: 'gpt-4o' }]);
      expect((await staying.next())?.id).toBe('after');
      staying.close();
      await streamsOpen(s, 0);
    } finally {
      await s.stop();
    }
  });

  it('holds a limited number of streams, answering 503 beyond it', async () => {
    const s = await startTestServer({}, undefined, { open: { live: { maxSubscribers: 2 } } });
    try {
      const open = [await openLive(s, ''), await openLive(s, '')];
      const r = await s.call('GET', '/api/v1/live', { key: ADMIN });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('too_many_streams');
      expect(r.body.error.message).toContain('2 live streams');
      open[0]!.close();
      await streamsOpen(s, 1);
      const again = await openLive(s, '');
      expect(again.status).toBe(200);
      for (const live of [open[1]!, again]) live.close();
    } finally {
      await s.stop();
    }
  });

  it('lets the server shut down while streams are open, ending them', async () => {
    const s = await startTestServer();
    const lives = [await openLive(s, ''), await openLive(s, '?model=gpt-4o')];
    for (const live of lives) expect((await live.next())?.event).toBe('ready');
    await s.stop();
    for (const live of lives) expect(await live.next()).toBeNull();
    expect(s.ctx.live.subscribers).toBe(0);
  });

  it('drops events for a client that does not read, and tells it how many once it catches up', async () => {
    const s = await startTestServer();
    try {
      const p = newId('live-slow');
      await createProject(s, p);
      // A client that sends its request and then reads nothing: the server's buffers for it fill up.
      const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.pause();
      socket.write(
        `GET /api/v1/live HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${ADMIN}\r\nx-tally-project: ${p}\r\n\r\n`,
      );
      await streamsOpen(s, 1);
      // 12 MB of calls: over twice what the socket buffers and the server's own bound hold together (about 5 MB
      // reach a client that reads nothing before the server starts dropping).
      const text = 'x'.repeat(200_000);
      const total = 60;
      for (let batch = 0; batch < total / 10; batch++)
        await ingest(
          s,
          p,
          Array.from({ length: 10 }, (_, i) => ({
            id: `slow-${batch * 10 + i}`,
            timestamp: Date.now(),
            model: 'gpt-4o',
            output_text: text,
          })),
        );

      // Now read everything: the calls sent before the bound was reached, then how many were dropped.
      const frames: Frame[] = [];
      let rest = '';
      let seen: () => void = () => {};
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        const parsed = parseFrames(rest + chunk);
        rest = parsed.rest;
        frames.push(...parsed.frames);
        seen();
      });
      const arrived = (done: () => boolean) =>
        new Promise<void>((resolve) => {
          seen = () => done() && resolve();
          seen();
        });
      const calls = () => frames.filter((f) => f.event === 'call').length;
      const dropped = () => frames.reduce((n, f) => n + (f.event === 'dropped' ? (f.data.count as number) : 0), 0);
      socket.resume();
      await arrived(() => calls() + dropped() === total);
      expect(dropped()).toBeGreaterThan(0);
      expect(calls()).toBeGreaterThan(0);
      // Caught up: new calls arrive again.
      await ingest(s, p, [{ id: 'fresh', timestamp: Date.now(), model: 'gpt-4o' }]);
      await arrived(() => frames.some((f) => f.id === 'fresh'));
      socket.destroy();
    } finally {
      await s.stop();
    }
  }, 90_000);
});
