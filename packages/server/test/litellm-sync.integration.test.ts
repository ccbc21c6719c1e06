import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';
import { createLiteLLMDatabase, literal, psql, type LiteLLMDatabase } from './litellm-database.js';
import { API_KEY, MINUTE, cacheHitId, spendLogRow, wallClock } from './litellm-rows.js';

/**
 * `tally sync litellm` end to end: a real PostgreSQL database with LiteLLM's table (both column sets), the real CLI
 * in a child process, a real Tally server it sends to, and the calls read back over HTTP.
 */
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NOW = Date.now();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const childEnv = (env: Record<string, string | undefined>) => ({
  ...process.env,
  TALLY_URL: undefined,
  TALLY_API_KEY: undefined,
  TALLY_LITELLM_URL: undefined,
  ...env,
});
const argv = (args: string[]) => ['--conditions=tally-source', '--import', 'tsx', cli, 'sync', 'litellm', ...args];

function sync(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, argv(args), { env: childEnv(env) }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A sync running in the background, for --follow and for killing mid-run. */
function startSync(args: string[], env: Record<string, string | undefined> = {}) {
  const child: ChildProcess = spawn(process.execPath, argv(args), { env: childEnv(env) });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let s: TestServer;
const databases: LiteLLMDatabase[] = [];

async function litellm(variant: 'old' | 'current', rows: Record<string, unknown>[] = []) {
  const db = await createLiteLLMDatabase(variant);
  databases.push(db);
  await db.insert(rows);
  return db;
}

async function project(id: string): Promise<string> {
  const r = await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id, name: id, capture_policy: 'full' } });
  expect(r.status).toBe(201);
  return id;
}

const into = (p: string) => ['--url', s.url, '--key', ADMIN, '--project', p];

/** Every stored call of a project, in the order the events route gives them (a repeat would show twice). */
async function stored(p: string): Promise<any[]> {
  const all: any[] = [];
  let cursor = '';
  do {
    const r = await s.call('GET', `/api/v1/analytics/events?from=0&limit=1000${cursor}`, {
      key: ADMIN,
      headers: { 'x-tally-project': p },
    });
    expect(r.status).toBe(200);
    all.push(...r.body.events);
    cursor = r.body.next_cursor ? `&cursor=${encodeURIComponent(r.body.next_cursor)}` : '';
  } while (cursor);
  return all;
}

async function event(p: string, id: string): Promise<any> {
  const r = await s.call('GET', `/api/v1/events/${encodeURIComponent(id)}`, {
    key: ADMIN,
    headers: { 'x-tally-project': p },
  });
  expect(r.status, `call ${id}`).toBe(200);
  return r.body;
}

const iso = (ms: number) => new Date(ms).toISOString();
const at = (minutesAgo: number) => NOW - minutesAgo * MINUTE;

/** One row of each shape LiteLLM writes, and what Tally must hold for it. */
function shapes(): { row: Record<string, unknown>; expected: Record<string, unknown> }[] {
  const t0 = at(3 * 24 * 60);
  return [
    {
      // Non-streaming chat, prompts stored, agent fields at the top of metadata (as seed 000 reads them).
      row: spendLogRow({
        id: 'chatcmpl-plain',
        start: t0,
        durationMs: 2500,
        prompt: 1200,
        completion: 100,
        cacheRead: 1024,
        reasoning: 40,
        spend: 0.00123,
        tags: ['prod', 'search'],
        agent: {
          at: 'top',
          fields: {
            agent_name: 'Calculator Bot',
            agent_version: '1.0.0',
            agent_session_id: 'calc-s1',
            agent_user_id: 'calc-u1',
            agent_app_name: 'calculator',
          },
        },
        stored: { messages: [{ role: 'user', content: 'What is 6 x 7?' }], reply: '42' },
      }),
      expected: {
        timestamp: t0,
        end_time: t0 + 2500,
        duration_ms: 2500,
        ttft_ms: null,
        stream: false,
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        api_type: 'generative',
        operation: 'chat',
        endpoint: '/v1/chat/completions',
        input_tokens: 1200,
        output_tokens: 100,
        total_tokens: 1300,
        cache_read_tokens: 1024,
        cache_write_tokens: null,
        reasoning_tokens: 40,
        cost_usd: 0.00123,
        cost_source: 'reported',
        status: 'success',
        user_id: 'calc-u1',
        session_id: 'calc-s1',
        agent_name: 'Calculator Bot',
        agent_version: '1.0.0',
        app_name: 'calculator',
        tags: ['prod', 'search'],
        api_key_id: API_KEY,
        api_key_label: 'prod-key',
        client_ip: '10.0.0.7',
        message_count: 1,
        input_text: JSON.stringify([{ role: 'user', content: 'What is 6 x 7?' }]),
        output_text: '42',
        ingest_source: 'litellm',
        metadata: {
          call_type: 'acompletion',
          model_group: 'gpt-4o',
          model_id: 'deployment-openai-1',
          litellm_user: 'internal-user-1',
          team_id: 'team-a',
          team_alias: 'Search',
          api_base: 'https://api.openai.com/v1',
          cache_hit: false,
        },
      },
    },
    {
      // Streamed, agent fields under spend_logs_metadata (where LiteLLM keeps client metadata), no prompts stored.
      row: spendLogRow({
        id: 'chatcmpl-streamed',
        start: t0 + MINUTE,
        durationMs: 4000,
        ttftMs: 350,
        model: 'gpt-4o-mini-2024-07-18',
        modelGroup: 'gpt-4o-mini',
        prompt: 300,
        completion: 500,
        spend: 0.0004,
        agent: {
          at: 'spend_logs_metadata',
          fields: {
            agent_name: 'Support Agent',
            agent_version: '2.1.0',
            agent_session_id: 'sup-s1',
            agent_user_id: 'sup-u1',
          },
        },
      }),
      expected: {
        ttft_ms: 350,
        stream: true,
        duration_ms: 4000,
        model: 'gpt-4o-mini-2024-07-18',
        agent_name: 'Support Agent',
        agent_version: '2.1.0',
        session_id: 'sup-s1',
        user_id: 'sup-u1',
        input_text: null,
        output_text: null,
        metadata: { model_group: 'gpt-4o-mini' },
      },
    },
    {
      // A cache hit: LiteLLM suffixes the request_id and charges nothing.
      row: spendLogRow({
        id: cacheHitId('chatcmpl-plain', t0 + 2 * MINUTE),
        start: t0 + 2 * MINUTE,
        durationMs: 12,
        prompt: 1200,
        completion: 100,
        cacheHit: true,
        spend: 0,
      }),
      expected: { cost_usd: 0, cost_source: 'reported', input_tokens: 1200, metadata: { cache_hit: true } },
    },
    {
      row: spendLogRow({
        id: 'litellm-call-failed-429',
        start: t0 + 3 * MINUTE,
        durationMs: 300,
        failure: {
          code: '429',
          errorClass: 'RateLimitError',
          message: 'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o',
        },
      }),
      expected: {
        status: 'error',
        status_code: 429,
        error_type: 'RateLimitError',
        error_message: 'litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o',
        input_tokens: 0,
        cost_usd: 0,
      },
    },
    {
      row: spendLogRow({
        id: 'litellm-call-timeout',
        start: t0 + 4 * MINUTE,
        durationMs: 600_000,
        failure: { code: '408', errorClass: 'Timeout', message: 'litellm.Timeout: Request timed out' },
      }),
      expected: { status: 'timeout', status_code: 408, error_type: 'Timeout' },
    },
    {
      row: spendLogRow({
        id: 'embd-1',
        start: t0 + 5 * MINUTE,
        callType: 'aembedding',
        model: 'text-embedding-3-small',
        modelGroup: 'text-embedding-3-small',
        prompt: 812,
        spend: 0.0000162,
      }),
      expected: {
        api_type: 'embedding',
        operation: 'embeddings',
        endpoint: '/v1/embeddings',
        input_tokens: 812,
        output_tokens: 0,
        total_tokens: 812,
        cost_usd: 0.0000162,
      },
    },
    {
      // /v1/messages: Anthropic's raw usage, whose input_tokens leave the cache out.
      row: spendLogRow({
        id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        start: t0 + 6 * MINUTE,
        callType: 'anthropic_messages',
        provider: 'anthropic',
        model: 'claude-sonnet-4-20250514',
        modelGroup: 'claude-sonnet',
        prompt: 5012,
        completion: 300,
        cacheRead: 4000,
        cacheWrite: 1000,
        spend: 0.00897,
      }),
      expected: {
        provider: 'anthropic',
        operation: 'messages',
        endpoint: '/v1/messages',
        input_tokens: 5012,
        output_tokens: 300,
        cache_read_tokens: 4000,
        cache_write_tokens: 1000,
        metadata: { model_group: 'claude-sonnet', api_base: 'https://api.anthropic.com/v1/messages' },
      },
    },
    {
      // Anthropic through /chat/completions: LiteLLM's OpenAI-style usage, cache counted in prompt_tokens.
      row: spendLogRow({
        id: 'chatcmpl-claude-chat',
        start: t0 + 7 * MINUTE,
        provider: 'anthropic',
        model: 'claude-3-5-haiku-20241022',
        prompt: 2100,
        completion: 90,
        cacheRead: 2000,
        cacheWrite: 0,
        spend: 0.0005,
      }),
      expected: { input_tokens: 2100, cache_read_tokens: 2000, cache_write_tokens: 0, output_tokens: 90 },
    },
    {
      // The request's `user` (end_user) names the user even when the agent sent its own.
      row: spendLogRow({
        id: 'chatcmpl-end-user',
        start: t0 + 8 * MINUTE,
        prompt: 10,
        completion: 5,
        endUser: 'customer-42',
        organization: 'org-acme',
        agent: { at: 'spend_logs_metadata', fields: { agent_name: 'Billing Agent', agent_user_id: 'billing-u9' } },
      }),
      expected: { user_id: 'customer-42', agent_name: 'Billing Agent', metadata: { organization_id: 'org-acme' } },
    },
    {
      // Agent fields only in the stored request body; the session is LiteLLM's trace id.
      row: spendLogRow({
        id: 'chatcmpl-in-request',
        start: t0 + 9 * MINUTE,
        prompt: 10,
        completion: 5,
        sessionId: 'trace-abc',
        agent: { at: 'request', fields: { agent_name: 'Router', agent_version: '3' } },
        stored: { messages: [{ role: 'user', content: 'route me' }], reply: 'ok' },
      }),
      expected: { agent_name: 'Router', agent_version: '3', session_id: 'trace-abc', user_id: null },
    },
  ];
}

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.stop();
  for (const db of databases) await db.drop();
});

describe('tally sync litellm', () => {
  it('stores every row as a call with its fields mapped, and a second sync adds nothing', async () => {
    const cases = shapes();
    const db = await litellm(
      'current',
      cases.map((c) => c.row),
    );
    const before = await db.fingerprint();
    const p = await project('lit-fields');
    const state = join(tempDir('tally-litellm-'), 'state.json');

    const first = await sync(['--from', db.url, ...into(p), '--state', state]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const last = cases.at(-1)!.row;
    expect(first.stdout.trim()).toBe(
      `10 synced (0 already present), cursor at ${iso(Date.parse(`${String(last['startTime']).replace(' ', 'T')}Z`))} ${String(last['request_id'])}`,
    );
    for (const c of cases) {
      const e = await event(p, String(c.row['request_id']));
      const { metadata, ...fields } = c.expected as { metadata?: Record<string, unknown> };
      expect(e, String(c.row['request_id'])).toMatchObject(fields);
      if (metadata) expect(e.metadata).toMatchObject(metadata);
    }

    const again = await sync(['--from', db.url, ...into(p), '--state', state]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^0 synced \(0 already present\), cursor at /);
    const replayed = await sync(['--from', db.url, ...into(p), '--state', state, '--reset']);
    expect(replayed.stdout).toMatch(/^0 synced \(10 already present\), cursor at /);
    expect((await stored(p)).length).toBe(10);
    expect(await db.fingerprint()).toEqual(before);
  });

  it('reads an older LiteLLM without the later columns', async () => {
    const t = at(2 * 24 * 60);
    const db = await litellm('old', [
      spendLogRow({
        id: 'old-ok',
        start: t,
        prompt: 40,
        completion: 10,
        spend: 0.0001,
        agent: { at: 'spend_logs_metadata', fields: { agent_name: 'Legacy Bot', agent_session_id: 'legacy-s1' } },
        stored: { messages: [{ role: 'user', content: 'hi' }], reply: 'hello' },
      }),
      spendLogRow({
        id: 'old-failed',
        start: t + MINUTE,
        failure: { code: '401', errorClass: 'AuthenticationError', message: 'invalid api key' },
      }),
    ]);
    const p = await project('lit-old');
    const r = await sync(['--from', db.url, ...into(p), '--state', join(tempDir(), 's.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2 synced \(0 already present\)/);
    // No status column: the failure is read from metadata; no session_id column: the agent's session stands.
    expect(await event(p, 'old-failed')).toMatchObject({
      status: 'error',
      status_code: 401,
      error_type: 'AuthenticationError',
    });
    expect(await event(p, 'old-ok')).toMatchObject({
      agent_name: 'Legacy Bot',
      session_id: 'legacy-s1',
      input_tokens: 40,
      output_tokens: 10,
      output_text: 'hello',
      input_text: null,
    });
  });

  it('picks up rows LiteLLM writes later with --follow, and stops cleanly on SIGTERM', async () => {
    const db = await litellm(
      'current',
      [1, 2, 3].map((i) => spendLogRow({ id: `follow-${i}`, start: at(60 - i), prompt: 10, completion: 2 })),
    );
    const p = await project('lit-follow');
    const dataDir = tempDir('tally-litellm-');
    const run = startSync(['--from', db.url, ...into(p), '--follow', '--interval', '0.2'], { TALLY_DATA_DIR: dataDir });
    await until('the first rows', async () => (await stored(p)).length === 3);
    // LiteLLM writes rows as calls end; these are old enough to be past the default settle time (300 s).
    await db.insert(
      [4, 5].map((i) => spendLogRow({ id: `follow-${i}`, start: at(20 - i), prompt: 10, completion: 2 })),
    );
    await until('the later rows', async () => (await stored(p)).length === 5);
    // A call that started a minute ago may still have longer calls before it unwritten: it waits for the settle time.
    await db.insert([spendLogRow({ id: 'follow-recent', start: at(1), prompt: 1, completion: 1 })]);
    await new Promise((r) => setTimeout(r, 800));
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code).toBe(0);
    expect(run.out.stdout.trim()).toMatch(/^5 synced \(0 already present\), cursor at \S+ follow-5$/);
    expect((await stored(p)).map((e) => e.id).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `follow-${i}`));
    // The default state file: <data dir>/litellm-sync/<sha256 of the URL>.json, holding the cursor.
    const dir = join(dataDir, 'litellm-sync');
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(JSON.parse(readFileSync(join(dir, file!), 'utf8')).cursor.requestId).toBe('follow-5');
  });

  it('resumes a sync killed mid-run and stores every row exactly once', async () => {
    const db = await litellm('current');
    // Many rows in one statement, shaped as LiteLLM writes them, some sharing a start time.
    const template = spendLogRow({ id: 'x', start: 0, prompt: 100, completion: 20, spend: 0.0001 });
    const columns = Object.keys(template).filter(
      (c) => !['request_id', 'startTime', 'endTime', 'completionStartTime'].includes(c),
    );
    const base = at(5 * 24 * 60);
    await psql(
      db.url,
      `INSERT INTO "LiteLLM_SpendLogs" (request_id, "startTime", "endTime", "completionStartTime", ${columns.map((c) => `"${c}"`).join(', ')})
       SELECT 'bulk-' || lpad(i::text, 5, '0'), ts, ts + interval '1 second', ts + interval '1 second',
              ${columns.map((c) => (c === 'session_id' ? `'trace-' || i` : literal(template[c]))).join(', ')}
         FROM generate_series(1, 4000) AS i,
              LATERAL (SELECT '${wallClock(base)}'::timestamp + (i / 3) * interval '1 second' AS ts) t`,
    );
    const before = await db.fingerprint();
    const p = await project('lit-kill');
    const state = join(tempDir('tally-litellm-'), 'state.json');
    const args = ['--from', db.url, ...into(p), '--state', state, '--batch', '25'];

    const doomed = startSync(args);
    await until('the first acknowledged batch', () => existsSync(state));
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const partial = (await stored(p)).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(4000);

    const resumed = await sync(args);
    expect(resumed.code).toBe(0);
    const m = /^([\d,]+) synced \(([\d,]+) already present\), cursor at \S+ bulk-04000$/.exec(resumed.stdout.trim());
    expect(m, resumed.stdout).not.toBeNull();
    const [synced, present] = [Number(m![1]!.replace(/,/g, '')), Number(m![2]!.replace(/,/g, ''))];
    // The killed run's last batch may have been stored without its cursor: it is sent again, and kept once.
    expect(present).toBeLessThanOrEqual(25);
    expect(synced + present).toBe(4000 - partial + present);
    const ids = (await stored(p)).map((e) => e.id);
    expect(ids.length).toBe(4000);
    expect(new Set(ids).size).toBe(4000);
    expect(await db.fingerprint()).toEqual(before);
  }, 120_000);

  it('reports a row it cannot map by request_id, skips it and goes on; a dry run stores nothing', async () => {
    const t = at(3 * 60);
    const db = await litellm('current', [
      spendLogRow({ id: 'good-1', start: t, prompt: 1, completion: 1 }),
      spendLogRow({ id: '', start: t + 1000, prompt: 1, completion: 1 }),
      spendLogRow({ id: 'good-2', start: t + 2000, prompt: 1, completion: 1 }),
    ]);
    const p = await project('lit-skip');
    const state = join(tempDir('tally-litellm-'), 'state.json');

    const dry = await sync(['--from', db.url, ...into(p), '--state', state, '--dry-run']);
    expect(dry.stdout.trim()).toBe(
      `dry run: 3 rows read, 2 would be synced, 1 would be skipped; nothing stored, the cursor would be at ${iso(t + 2000)} good-2`,
    );
    expect(dry.stderr).toContain('request_id "": it has no request_id; skipped');
    expect(existsSync(state)).toBe(false);
    expect(await stored(p)).toEqual([]);

    const r = await sync(['--from', db.url, ...into(p), '--state', state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('request_id "": it has no request_id; skipped');
    expect(r.stdout.trim()).toBe(`2 synced (0 already present), 1 skipped, cursor at ${iso(t + 2000)} good-2`);
    expect((await stored(p)).map((e) => e.id).sort()).toEqual(['good-1', 'good-2']);
  });

  it('says which database it cannot use, never showing the password', async () => {
    const refused = await sync(['--from', 'postgres://litellm:hunter2@127.0.0.1:1/litellm', ...into('default')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /cannot connect to the LiteLLM database postgres:\/\/litellm:\*\*\*@127\.0\.0\.1:1\/litellm/,
    );
    expect(refused.stderr + refused.stdout).not.toContain('hunter2');

    const db = await litellm('current');
    await psql(db.url, 'DROP TABLE "LiteLLM_SpendLogs"');
    const noTable = await sync([...into('default')], { TALLY_LITELLM_URL: db.url });
    expect(noTable.code).toBe(1);
    expect(noTable.stderr).toMatch(/has no "LiteLLM_SpendLogs" table/);

    const missing = await sync(into('default'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--from postgres:\/\/… or \$TALLY_LITELLM_URL/);
  });
});
