import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `tally serve` from source in its own process, as a user would, and waits until it listens. */
async function serve(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=tally-source', '--import', 'tsx', cli, 'serve', '--port', String(port), '--data', dataDir],
    {
      env: { ...process.env, TALLY_LOG_LEVEL: 'warn', TALLY_ADMIN_TOKEN: 'crash-test-admin-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return child;
}

it('loses no acknowledged write when the server is killed with SIGKILL mid-stream', async () => {
  const dataDir = tempDir('tally-crash-');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = await serve(dataDir, port);
  const acked: string[] = [];
  let seq = 0;
  let killed = false;
  // Four writers post batches back to back; each records the ids the server acknowledged with 207.
  const writer = async () => {
    while (!killed) {
      const events = Array.from({ length: 25 }, () => ({
        id: `k-${seq++}`,
        timestamp: new Date().toISOString(),
        model: 'gpt-4o',
        input_tokens: 3,
      }));
      try {
        const r = await fetch(`${base}/api/v1/ingest/llm/bulk`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        });
        if (r.status === 207) acked.push(...events.map((e) => e.id));
      } catch {
        return; // the connection died with the server: this batch was never acknowledged
      }
    }
  };
  const writers = Array.from({ length: 4 }, writer);
  while (acked.length < 2000) await new Promise((r) => setTimeout(r, 20));
  killed = true;
  child.kill('SIGKILL');
  await Promise.all(writers);
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

  const restarted = await serve(dataDir, port);
  const stored = new Set<string>();
  let cursor: string | null = null;
  do {
    const r = await fetch(`${base}/api/v1/analytics/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    const page = (await r.json()) as { events: { id: string }[]; next_cursor: string | null };
    for (const e of page.events) stored.add(e.id);
    cursor = page.next_cursor;
  } while (cursor);
  const lost = acked.filter((id) => !stored.has(id));
  expect(acked.length).toBeGreaterThanOrEqual(2000);
  expect(lost).toEqual([]);
  restarted.kill('SIGTERM');
}, 120_000);

it('stops cleanly on SIGTERM: answers what is in flight, flushes, exits 0', async () => {
  const dataDir = tempDir('tally-term-');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = await serve(dataDir, port);
  const events = Array.from({ length: 500 }, (_, i) => ({
    id: `t-${i}`,
    timestamp: new Date().toISOString(),
    model: 'gpt-4o',
  }));
  const inFlight = fetch(`${base}/api/v1/ingest/llm/bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGTERM');
  const answer = await inFlight.then((r) => r.status).catch(() => 'connection closed');
  expect(await exited).toBe(0);
  const restarted = await serve(dataDir, port);
  const page = (await (await fetch(`${base}/api/v1/analytics/events?limit=1000`)).json()) as { events: unknown[] };
  // An answered request must be stored in full; one cut off before it was read stores nothing.
  expect(page.events.length).toBe(answer === 207 ? 500 : 0);
  restarted.kill('SIGTERM');
}, 60_000);
