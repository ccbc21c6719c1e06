import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configure, flush, shutdown, track } from './index.js';

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await shutdown();
  configure();
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stand-in for a Tally server that answers every request with `status`, keeping the events it was sent. */
async function server(status: number, seen: Record<string, unknown>[]): Promise<string> {
  const s = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const events = (JSON.parse(text) as { events: Record<string, unknown>[] }).events;
      seen.push(...events);
      res.writeHead(status, { 'content-type': 'application/json' });
      const results = events.map((e, index) => ({ index, id: e['id'], status: 201 }));
      res.end(status === 207 ? JSON.stringify({ results, accepted: events.length, rejected: 0 }) : '{}');
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const call = () =>
  track({ provider: 'openai', model: 'gpt-4o', user_id: 'u1' }, async (c) => {
    c.updateTokens({ input_tokens: 1000, output_tokens: 100 });
  });

describe('the HTTP sink and cost estimates', () => {
  it('sends no estimate (the server prices the call), but spills lines with the estimate a JSONL line has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-http-cost-'));
    dirs.push(dir);
    const sent: Record<string, unknown>[] = [];
    configure({ url: await server(207, sent), dir });
    await call();
    await flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('cost_usd');
    expect(sent[0]).not.toHaveProperty('cost_source');

    const refused: Record<string, unknown>[] = [];
    configure({ url: await server(401, refused), dir, spillFile: 'spill.jsonl' });
    await call();
    await flush();
    expect(refused).toHaveLength(1);
    const spilled = JSON.parse(readFileSync(join(dir, 'spill.jsonl'), 'utf8').trim());
    expect(spilled).toMatchObject({
      model: 'gpt-4o',
      cost_usd: 0.0035,
      cost_estimate: 0.0035,
      cost_source: 'computed',
      price_model_id: 'openai/gpt-4o',
    });
  });
});
