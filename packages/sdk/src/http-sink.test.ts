import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSdkConfig } from './config.js';
import { backoffMs, retryAfterMs } from './http-post.js';
import { HttpSink, toWireEvent } from './http-sink.js';

type Handler = (body: { events: Record<string, unknown>[] }, req: IncomingMessage, res: ServerResponse) => void;

const open: Server[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A local stand-in for the ingest route that answers each request with `handler`. */
async function fakeServer(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => handler(JSON.parse(text), req, res));
  });
  open.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const accept: Handler = (body, _req, res) => {
  res.writeHead(207, { 'content-type': 'application/json' });
  const results = body.events.map((e, index) => ({ index, id: e['id'], status: 201 }));
  res.end(JSON.stringify({ results, accepted: results.length, rejected: 0 }));
};

const fast = { batchSize: 5, flushIntervalMs: 10, replayIntervalMs: 60_000, maxRetries: 3, baseDelayMs: 5 };
const spillPath = () => join(mkdtempSync(join(tmpdir(), 'tally-http-sink-')), 'spill.jsonl');
const line = (id: string) => ({ id, timestamp: new Date().toISOString(), model: 'gpt-4o', input_tokens: 1 });

describe('HttpSink', () => {
  it('sends batches with the key and source headers', async () => {
    const seen: { auth?: string; source?: string; size: number }[] = [];
    const url = await fakeServer((body, req, res) => {
      seen.push({
        auth: req.headers.authorization,
        source: req.headers['x-tally-source'] as string,
        size: body.events.length,
      });
      accept(body, req, res);
    });
    const sink = new HttpSink({ url, apiKey: 'tly_k', spillPath: spillPath(), maxQueue: 100, tuning: fast });
    for (let i = 0; i < 12; i++) sink.append(line(`h${i}`));
    await sink.close();
    expect(seen.map((s) => s.size).reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.max(...seen.map((s) => s.size))).toBeLessThanOrEqual(5);
    expect(seen[0]).toMatchObject({ auth: 'Bearer tly_k', source: 'sdk' });
    expect(sink.stats()).toMatchObject({ written: 12, dropped: 0, spilled: 0 });
  });

  it('retries 429 after its Retry-After and 5xx, then delivers', async () => {
    const answers = [429, 503];
    const times: number[] = [];
    const url = await fakeServer((body, req, res) => {
      times.push(Date.now());
      const status = answers.shift();
      if (status === 429) res.writeHead(429, { 'retry-after': '0.3' }).end();
      else if (status !== undefined) res.writeHead(status).end();
      else accept(body, req, res);
    });
    const sink = new HttpSink({ url, apiKey: undefined, spillPath: spillPath(), maxQueue: 100, tuning: fast });
    sink.append(line('r1'));
    await sink.flush();
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(280);
    expect(sink.stats()).toMatchObject({ written: 1, spilled: 0, errors: 0 });
    await sink.close();
  });

  it('counts rejected items and buffer overflow as dropped, and spills on a 401', async () => {
    let status = 207;
    const url = await fakeServer((body, _req, res) => {
      if (status === 401) return res.writeHead(401).end('{"error":{"message":"bad key"}}');
      const results = body.events.map((_, index) => ({ index, status: index === 0 ? 422 : 201 }));
      res.writeHead(207).end(JSON.stringify({ results, accepted: results.length - 1 }));
    });
    const errors: unknown[] = [];
    const path = spillPath();
    const sink = new HttpSink({
      url,
      apiKey: 'x',
      spillPath: path,
      maxQueue: 3,
      tuning: fast,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 4; i++) sink.append(line(`d${i}`));
    await sink.flush();
    expect(sink.stats()).toMatchObject({ written: 2, dropped: 2 });
    status = 401;
    sink.append(line('s1'));
    await sink.close();
    expect(String(errors.at(-1))).toContain('401: bad key');
    expect(sink.stats().spilled).toBe(1);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ id: 's1' });
  });

  it('loses only an unserializable event (circular metadata), counted once, and delivers the rest', async () => {
    const url = await fakeServer(accept);
    const sink = new HttpSink({ url, apiKey: undefined, spillPath: spillPath(), maxQueue: 100, tuning: fast });
    const metadata: Record<string, unknown> = {};
    metadata['self'] = metadata;
    sink.append(line('c1'));
    sink.append({ ...line('c2'), metadata });
    sink.append(line('c3'));
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: 2, dropped: 1, errors: 1, spilled: 0 });
  });

  it('never holds the process open: a host that returns exits although its timers are ten minutes out', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'tally-http-exit-')), 'host.mts');
    const source = fileURLToPath(new URL('./http-sink.ts', import.meta.url));
    writeFileSync(
      script,
      `import { HttpSink } from ${JSON.stringify(source)};
const sink = new HttpSink({ url: 'http://127.0.0.1:9', apiKey: undefined, spillPath: ${JSON.stringify(spillPath())},
  maxQueue: 10, tuning: { flushIntervalMs: 600000, replayIntervalMs: 600000 } });
sink.append({ id: 'x', timestamp: new Date().toISOString(), model: 'gpt-4o' });
`,
    );
    const exit = await new Promise<number | string>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 }, (err) =>
        resolve(err ? (err.signal ?? err.code ?? 'error') : 0),
      );
    });
    expect(exit).toBe(0);
  });
});

describe('wire form and backoff', () => {
  it('leaves a computed cost to the server and keeps a reported one', () => {
    const base = { id: 'w', api_provider: 'openai', provider: 'openai', latency_ms: 5, cost_usd: 1, cost_estimate: 1 };
    expect(toWireEvent({ ...base, cost_source: 'computed', price_model_id: 'p' })).toEqual({
      id: 'w',
      provider: 'openai',
    });
    expect(toWireEvent({ ...base, cost_source: 'reported' })).toEqual({ id: 'w', provider: 'openai', cost_usd: 1 });
  });

  it('reads Retry-After as seconds or a date, and jitters below a doubling ceiling', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(11_000).toUTCString(), 1_000)).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 1000 };
    for (let i = 0; i < 50; i++) {
      expect(backoffMs(policy, 2, undefined)).toBeLessThanOrEqual(400);
      expect(backoffMs(policy, 8, undefined)).toBeLessThanOrEqual(1000);
    }
    expect(backoffMs(policy, 0, 5000)).toBe(1000);
  });
});

describe('sink selection', () => {
  it('takes the server from TALLY_URL and TALLY_API_KEY, and lets configure() options win', () => {
    expect(loadSdkConfig({}).url).toBeUndefined();
    const env = { TALLY_URL: 'http://tally:8080', TALLY_API_KEY: 'tly_env', LLM_TRACKING_DIR: '/var/llm' };
    expect(loadSdkConfig(env)).toMatchObject({
      url: 'http://tally:8080',
      apiKey: 'tly_env',
      spillPath: '/var/llm/tally-spill.jsonl',
    });
    expect(loadSdkConfig(env, { url: 'http://other:9', apiKey: 'tly_code' })).toMatchObject({
      url: 'http://other:9',
      apiKey: 'tly_code',
    });
  });
});
