import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedId } from '../src/import/import-mapping.js';
import { ADMIN, startTestServer, startTestServerOn, tempDir, type TestServer } from './helpers.js';

let s: TestServer;
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const nowSeconds = Math.floor(Date.now() / 1000);
const isoAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace('Z', '');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tally(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=tally-source', '--import', 'tsx', cli, 'import', ...args],
      { env: { ...process.env, TALLY_URL: undefined, TALLY_API_KEY: undefined, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const toServer = (project: string) => ['--url', s.url, '--key', ADMIN, '--project', project];

function file(name: string, lines: (string | object)[], trailingNewline = true): string {
  const path = join(tempDir('tally-import-'), name);
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  writeFileSync(path, trailingNewline ? `${text}\n` : text);
  return path;
}

async function project(id: string): Promise<string> {
  const r = await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id } });
  expect(r.status).toBe(201);
  return id;
}

async function event(projectId: string, id: string) {
  const r = await s.call('GET', `/api/v1/events/${encodeURIComponent(id)}`, {
    key: ADMIN,
    headers: { 'x-tally-project': projectId },
  });
  expect(r.status).toBe(200);
  return r.body;
}

async function count(projectId: string): Promise<number> {
  const r = await s.call('GET', '/api/v1/analytics/events?limit=1000', {
    key: ADMIN,
    headers: { 'x-tally-project': projectId },
  });
  expect(r.status).toBe(200);
  return (r.body.events as unknown[]).length;
}

const seed002Lines = () => [
  {
    id: 'call-a',
    timestamp: isoAgo(30),
    source_function: 'synthesize_answer',
    api_provider: 'gemini',
    api_type: 'generative',
    model: 'gemini-2.0-flash-exp',
    operation: 'chat_answer',
    input_tokens: 1000,
    output_tokens: 500,
    total_tokens: 1500,
    latency_ms: 1234.5,
    status: 'success',
    error_message: null,
    user_id: 'user123',
    session_id: 'session456',
    source_id: null,
    temperature: 0.2,
    max_tokens: 2048,
    additional_params: { top_p: 0.9 },
    cost_estimate: 0.25,
  },
  {
    timestamp: isoAgo(20),
    source_function: 'transcribe',
    api_provider: 'google_speech',
    api_type: 'speech_to_text',
    model: null,
    operation: 'transcription',
    latency_ms: 800,
    status: 'error',
    error_message: 'quota exceeded',
    source_id: 'doc_123',
  },
];

const seed003Event = (id: string, ago: number, extra: Record<string, unknown> = {}) => ({
  id,
  timestamp: nowSeconds - ago,
  request: {
    endpoint: '/v1/chat/completions',
    method: 'POST',
    model: 'gpt-4o',
    stream: true,
    size_bytes: 256,
    message_count: 3,
    input_tokens: 42,
    user_agent: 'curl/7.64.1',
    client_ip: '192.168.1.100',
  },
  response: { status_code: 200, size_bytes: 512, output_tokens: 128, success: true, error_message: null },
  performance: { duration_ms: 1247, ttfb_ms: 300, upstream_duration_ms: 1200 },
  auth: { authenticated: true, api_key_id: 'key_abc123', api_key_label: 'production-key', auth_method: 'bearer' },
  routing: {
    backend: 'openai',
    upstream_mode: 'chat',
    mcp_enabled: true,
    mcp_servers: ['fs'],
    system_prompt_applied: true,
  },
  ...extra,
});

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

describe('tally import', () => {
  it('imports a seed 002 file, detected, with its fields mapped and a stable id for lines without one', async () => {
    const p = await project('imp-s002');
    const lines = seed002Lines();
    const path = file('calls.jsonl', lines);
    const r = await tally([path, ...toServer(p)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('format: seed002');
    expect(r.stdout).toContain('2 imported, 0 already present, 0 skipped (bad lines)');

    const a = await event(p, 'call-a');
    expect(a).toMatchObject({
      ingest_source: 'import',
      provider: 'gemini',
      model: 'gemini-2.0-flash-exp',
      api_type: 'generative',
      operation: 'chat_answer',
      source_function: 'synthesize_answer',
      input_tokens: 1000,
      output_tokens: 500,
      duration_ms: 1234.5,
      cost_usd: 0.25,
      cost_source: 'reported',
      status: 'success',
      user_id: 'user123',
      session_id: 'session456',
      temperature: 0.2,
      max_tokens: 2048,
      error_message: null,
    });
    expect(a.metadata).toEqual({ additional_params: { top_p: 0.9 } });
    expect(a.timestamp).toBe(Date.parse(`${lines[0]!.timestamp}Z`));

    const b = await event(p, derivedId(JSON.stringify(lines[1])));
    expect(b).toMatchObject({
      api_type: 'speech_to_text',
      provider: 'google_speech',
      status: 'error',
      error_message: 'quota exceeded',
      source_id: 'doc_123',
      model: null,
    });
  });

  it('imports a seed 003 file, detected, flattening its groups', async () => {
    const p = await project('imp-s003');
    const failed = seed003Event('evt-2', 60, {
      response: { status_code: 502, size_bytes: 20, output_tokens: null, success: false, error_message: 'bad gateway' },
    });
    const path = file('analytics.jsonl', [seed003Event('evt-1', 120), failed]);
    const r = await tally([path, ...toServer(p)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('format: seed003');
    expect(r.stdout).toContain('2 imported, 0 already present');

    const e = await event(p, 'evt-1');
    expect(e).toMatchObject({
      timestamp: (nowSeconds - 120) * 1000,
      endpoint: '/v1/chat/completions',
      method: 'POST',
      model: 'gpt-4o',
      stream: true,
      request_bytes: 256,
      message_count: 3,
      input_tokens: 42,
      user_agent: 'curl/7.64.1',
      client_ip: '192.168.1.100',
      status_code: 200,
      response_bytes: 512,
      output_tokens: 128,
      status: 'success',
      duration_ms: 1247,
      ttft_ms: 300,
      upstream_ms: 1200,
      api_key_id: 'key_abc123',
      api_key_label: 'production-key',
      backend: 'openai',
      upstream_mode: 'chat',
    });
    expect(e.metadata).toEqual({
      authenticated: true,
      auth_method: 'bearer',
      mcp_enabled: true,
      mcp_servers: ['fs'],
      system_prompt_applied: true,
    });
    expect(await event(p, 'evt-2')).toMatchObject({ status: 'error', status_code: 502, error_message: 'bad gateway' });
  });

  it('adds nothing when the same file is imported twice', async () => {
    const p = await project('imp-twice');
    const path = file('mixed.jsonl', [...seed002Lines(), { timestamp: isoAgo(5), model: 'gpt-4o', input_tokens: 7 }]);
    expect((await tally([path, ...toServer(p)])).code).toBe(0);
    expect(await count(p)).toBe(3);
    const again = await tally([path, ...toServer(p)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 imported, 3 already present');
    expect(await count(p)).toBe(3);
    // One new line at the end: only it is imported.
    writeFileSync(path, JSON.stringify({ timestamp: isoAgo(4), model: 'gpt-4o', input_tokens: 8 }) + '\n', {
      flag: 'a',
    });
    const more = await tally([path, ...toServer(p), '--batch-size', '2']);
    expect(more.stdout).toContain('1 imported, 3 already present');
    expect(await count(p)).toBe(4);
  }, 60_000);

  it('reports bad lines by number, skips them and imports the rest', async () => {
    const p = await project('imp-bad');
    const good = (id: string) => seed003Event(id, 30);
    const truncated = JSON.stringify(good('evt-cut')).slice(0, 60);
    const path = file(
      'bad.jsonl',
      [
        good('ok-1'),
        '{"id": "broken", "timestamp": ',
        good('ok-2'),
        seed003Event('neg', 30, { request: { model: 'gpt-4o', input_tokens: -5 } }),
        '',
        { ...good('ok-3'), response: 'fine' },
        good('ok-4'),
        truncated,
      ],
      false,
    );
    const r = await tally([path, ...toServer(p)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^line 2: not valid JSON/m);
    expect(r.stderr).toMatch(/^line 4: .*input_tokens/m);
    expect(r.stderr).toMatch(/^line 6: response: must be an object/m);
    expect(r.stderr).toMatch(/^line 8: not valid JSON/m);
    expect(r.stderr).not.toMatch(/^line (1|3|5|7):/m);
    expect(r.stdout).toContain('3 imported, 0 already present, 4 skipped (bad lines)');
    expect(await count(p)).toBe(3);
  });

  it('re-imports a Tally NDJSON export into another project with the same values', async () => {
    const from = await project('imp-src');
    const to = await project('imp-dst');
    const path = file('s.jsonl', [seed003Event('rt-1', 90), seed003Event('rt-2', 80)]);
    expect((await tally([path, ...toServer(from)])).code).toBe(0);
    const res = await fetch(`${s.url}/api/v1/export?format=ndjson`, {
      headers: { authorization: `Bearer ${ADMIN}`, 'x-tally-project': from },
    });
    const exported = join(tempDir(), 'export.ndjson');
    writeFileSync(exported, await res.text());
    const r = await tally([exported, ...toServer(to)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('format: tally');
    const strip = (e: Record<string, unknown>) => ({ ...e, project_id: undefined, ingested_at: undefined });
    expect(strip(await event(to, 'rt-1'))).toEqual(strip(await event(from, 'rt-1')));
  });

  it('honours --format over detection', async () => {
    const p = await project('imp-forced');
    const path = file('forced.jsonl', [seed003Event('forced-1', 30)]);
    const r = await tally([path, '--format', 'seed002', ...toServer(p)]);
    // Read as seed 002, the nested record has no model or api_type at its top level.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^line 1: .*model/m);
  });

  it('writes into the data directory when no server is running', async () => {
    const dataDir = tempDir();
    const path = file('local.jsonl', seed002Lines());
    const r = await tally([path, '--data', dataDir], { TALLY_PORT: '1', TALLY_ADMIN_TOKEN: ADMIN });
    expect(r.stderr).toBe(
      `no Tally server answers at http://127.0.0.1:1; using the data directory ${dataDir}\n` +
        'format: seed002 (detected from the first record)\n',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 imported, 0 already present');
    const again = await tally([path, '--data', dataDir], { TALLY_PORT: '1', TALLY_ADMIN_TOKEN: ADMIN });
    expect(again.stdout).toContain('0 imported, 2 already present');
    // The data directory's DuckDB file, whatever backend the other tests run on.
    const local = await startTestServerOn('duckdb', {}, dataDir);
    try {
      const got = await local.call('GET', '/api/v1/events/call-a', { key: ADMIN });
      expect(got.body).toMatchObject({ provider: 'gemini', ingest_source: 'import', duration_ms: 1234.5 });
    } finally {
      await local.stop();
    }
  }, 60_000);

  it('says so, and writes nothing, when the server named by --url or TALLY_URL does not answer', async () => {
    const dataDir = tempDir();
    const path = file('x.jsonl', seed002Lines());
    const r = await tally([path, '--url', 'http://127.0.0.1:1', '--data', dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no Tally server answers at http://127.0.0.1:1 (from --url)');
    const env = await tally([path, '--data', dataDir], { TALLY_URL: 'http://127.0.0.1:1' });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain('no Tally server answers at http://127.0.0.1:1 (from TALLY_URL)');
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);
});
