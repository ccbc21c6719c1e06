import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir, type TestServer } from './helpers.js';
import { ANTHROPIC_KEY, OPENAI_KEY, anthropicVia, keyId, openaiVia } from './proxy-helpers.js';
import { startProxyUpstream, type ProxyUpstream } from './proxy-upstream.js';

/**
 * Provider keys pass through the proxy and must leave no trace: not in the database, not in the server's log
 * (at its most verbose), not in anything Tally answers. The server runs as `tally serve` in its own process, as a
 * user runs it, so its whole output can be read.
 */
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const SERVER_KEY = 'sk-ant-api03-SERVERSIDEkey5555666677778888zz';
const SESSION = 'privacy-session-marker';

let upstream: ProxyUpstream;
let child: ChildProcess;
let output = '';
let base = '';
const dataDir = tempDir('tally-proxy-privacy-');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  upstream = await startProxyUpstream();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    ['--conditions=tally-source', '--import', 'tsx', cli, 'serve', '--port', String(port), '--data', dataDir],
    {
      env: {
        ...process.env,
        TALLY_LOG_LEVEL: 'trace',
        TALLY_ADMIN_TOKEN: 'privacy-test-admin-token',
        TALLY_UPSTREAM_OPENAI: `${upstream.url}/v1`,
        TALLY_UPSTREAM_ANTHROPIC: upstream.url,
        TALLY_UPSTREAM_ANTHROPIC_KEY: SERVER_KEY,
        TALLY_UPSTREAM_TIMEOUT_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('listening on')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await upstream.close();
});

const collect: string[] = [];
async function answer(p: Promise<unknown>): Promise<void> {
  try {
    collect.push(JSON.stringify(await p));
  } catch (e) {
    const err = e as { status?: number; message?: string; error?: unknown };
    collect.push(JSON.stringify({ status: err.status, message: err.message, error: err.error }));
  }
}

it('keeps provider keys out of the database, the log and every answer', async () => {
  const server = { url: base } as TestServer;
  const openai = openaiVia(server, { 'x-tally-session': SESSION });
  const anthropic = anthropicVia(server, { 'x-tally-session': SESSION });
  await answer(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
  await answer(
    (async () => {
      const chunks = [];
      for await (const c of await openai.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true }))
        chunks.push(c);
      return chunks;
    })(),
  );
  await answer(openai.chat.completions.create({ model: 'boom', messages: [] })); // 500, logged
  await answer(openai.chat.completions.create({ model: 'slow', messages: [] })); // 504
  await answer(anthropic.messages.create({ model: 'claude-opus-4-5', max_tokens: 5, messages: [] }));
  // An upstream that repeats the key it got in its error: the client sees its own key, Tally records none.
  const echoed = await openai.chat.completions.create({ model: 'echo-key', messages: [] }).catch((e: Error) => e);
  expect(String(echoed)).toContain(OPENAI_KEY);

  // The operator's key went upstream in place of the client's, which is still who the call is attributed to.
  const sent = upstream.received.find((r) => r.path === '/v1/messages')!;
  expect(sent.headers['x-api-key']).toBe(SERVER_KEY);
  expect(sent.headers.authorization).toBeUndefined();

  const deadline = Date.now() + 10_000;
  let events: any[] = [];
  while (events.length < 6 && Date.now() < deadline) {
    events = (
      (await (await fetch(`${base}/api/v1/analytics/events?from=0&limit=100&session_id=${SESSION}`)).json()) as any
    ).events;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(events).toHaveLength(6);
  expect(new Set(events.map((e) => e.api_key_id))).toEqual(new Set([keyId(OPENAI_KEY), keyId(ANTHROPIC_KEY)]));
  expect(events.find((e) => e.model === 'echo-key')).toMatchObject({
    status_code: 401,
    error_message: 'Incorrect API key provided: [REDACTED:api_key]',
  });
  const exported = await (await fetch(`${base}/api/v1/export?format=ndjson&from=0`)).text();
  expect(exported).toContain(keyId(OPENAI_KEY));
  collect.push(JSON.stringify(events), exported);

  // The data files while the server runs (recent writes may sit in the write-ahead log), then after its stop.
  const files = () =>
    readdirSync(dataDir)
      .filter((f) => f.startsWith('tally.duckdb'))
      .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
      .join('\n');
  const running = files();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const stopped = files();

  for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, SERVER_KEY]) {
    for (const text of [...collect, running, stopped, output]) expect(text.includes(secret)).toBe(false);
    // Nor a large part of it (a key cut to fit a column would still leak).
    for (const text of [...collect, running, stopped, output]) expect(text.includes(secret.slice(8, 28))).toBe(false);
  }
  // The check can see into the files: what Tally does store is there in plain bytes.
  expect(running.includes(SESSION) || stopped.includes(SESSION)).toBe(true);
  // Every proxied call was logged (at debug level), the timeout as a warning.
  expect(output.match(/"msg":"proxied call"/g)).toHaveLength(6);
  expect(output).toMatch(
    /"level":40,[^\n]*"error_message":"the upstream 127\.0\.0\.1:\d+ did not answer within 1000 ms/,
  );
});
