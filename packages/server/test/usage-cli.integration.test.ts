import { execFile } from 'node:child_process';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { configure, flush, logCall, shutdown, UsageAnalyzer } from '@tally/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, type RawCall } from './dataset.js';
import { ADMIN, startTestServer, tempDir } from './helpers.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const DAY = 86_400_000;

async function tally(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--conditions=tally-source', '--import', 'tsx', cli, 'usage', ...args], {
      env: { ...process.env, TALLY_URL: 'http://127.0.0.1:9', ...env },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

const dir = tempDir('tally-usage-');
const file = join(dir, 'calls.jsonl');
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

beforeAll(async () => {
  configure({ dir, file: 'calls.jsonl' });
  const calls = [
    { user_id: 'alice', session_id: 's1', model: 'gpt-4o', operation: 'chat_answer', days: 1, tokens: [100, 50] },
    { user_id: 'alice', session_id: 's1', model: 'gpt-4o-mini', operation: 'chat_answer', days: 2, tokens: [10, 5] },
    { user_id: 'alice', session_id: 's2', model: 'gpt-4o', operation: 'chat_answer', days: 20, tokens: [300, 30] },
    { user_id: 'bob', session_id: 's3', model: 'gpt-4o', operation: 'chat_answer', days: 3, tokens: [7, 3] },
    { source_id: 'doc_1', model: 'gemini-2.0-flash', operation: 'summarization', days: 12, tokens: [1000, 200] },
  ];
  for (const c of calls) {
    logCall({
      provider: c.model.startsWith('gemini') ? 'google' : 'openai',
      api_type: 'generative',
      model: c.model,
      operation: c.operation,
      ...(c.user_id ? { user_id: c.user_id, session_id: c.session_id } : { source_id: c.source_id }),
      timestamp: ago(c.days),
      input_tokens: c.tokens[0],
      output_tokens: c.tokens[1],
      latency_ms: 100 * c.days,
    });
  }
  logCall({ provider: 'openai', model: 'gpt-4o', user_id: 'bob', status: 'error', error_message: 'timeout' });
  await flush();
  await shutdown();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tally usage --file', () => {
  const analyzer = () => new UsageAnalyzer({ path: file });

  it('prints the analyzer summary as JSON and as tables', async () => {
    const r = await tally(['--file', file, '--summary', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(await analyzer().getUsageSummary());
    expect(JSON.parse(r.out).overall_stats.total_calls).toBe(6);
    const text = await tally(['--file', file]);
    expect(text.out).toContain('2 users, 3 sessions, 1 sources');
    expect(text.out).toMatch(/gpt-4o\s+4\s+407\s+83\s+490/);
  });

  it('answers --user, --list-users, --list-sessions --user and --days 7', async () => {
    const user = JSON.parse((await tally(['--file', file, '--user', 'alice', '--json'])).out);
    expect(user).toEqual(await analyzer().getUserUsage('alice'));
    expect(user.total_tokens).toBe(495);
    const users = JSON.parse((await tally(['--file', file, '--list-users', '--json'])).out);
    expect(users.ids).toEqual([
      { id: 'alice', calls: 3 },
      { id: 'bob', calls: 2 },
    ]);
    const sessions = JSON.parse((await tally(['--file', file, '--list-sessions', '--user', 'alice', '--json'])).out);
    expect(sessions.ids.map((s: { id: string }) => s.id)).toEqual(['s1', 's2']);
    const week = JSON.parse((await tally(['--file', file, '--days', '7', '--json'])).out);
    expect(week).toEqual(await analyzer().getUsageByTimePeriod(7));
    expect(week.total_calls).toBe(4);
    const table = await tally(['--file', file, '--list-users']);
    expect(table.out).toMatch(/alice\s+3\n/);
  });

  it('exports a user report', async () => {
    const out = join(dir, 'alice.json');
    const r = await tally(['--file', file, '--user', 'alice', '--export', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.total_sessions).toBe(2);
    expect(report.last_30_days.total_calls).toBe(3);
  });

  it('says which lines it skipped and why, and counts the rest', async () => {
    const broken = join(dir, 'broken.jsonl');
    await appendFile(broken, (await readFile(file, 'utf8')) + '{"model": "gpt-4o", oops\n{"model":"trunc');
    const r = await tally(['--file', broken, '--summary', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).overall_stats.total_calls).toBe(6);
    expect(r.err).toContain('line 7: invalid JSON');
    expect(r.err).toContain('line 8: truncated last line');
  });

  it('rejects flags that ask two questions, and explains itself', async () => {
    const bad = await tally(['--file', file, '--user', 'a', '--session', 'b']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('ask one question at a time');
    const exp = await tally(['--file', file, '--export', join(dir, 'x.json')]);
    expect(exp.err).toContain('--export FILE needs --user ID');
    const days = await tally(['--file', file, '--days', 'x']);
    expect(days.err).toContain('--days must be a whole number');
    const help = await tally(['--help']);
    for (const flag of ['--summary', '--list-sessions', '--export <file>', '--file <path>', '--json'])
      expect(help.out).toContain(flag);
    expect(help.out).toContain('tally usage --file calls.jsonl --user user_123 --export user_report.json');
  });
});

describe('tally usage against stored calls', () => {
  it('gives the ingested totals from a server, and the same output from its data directory', async () => {
    const s = await startTestServer();
    const calls: RawCall[] = Array.from({ length: 40 }, (_, i) => ({
      id: `usage-${i}`,
      timestamp: ago(i % 10),
      provider: 'openai',
      model: i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
      input_tokens: 100 + i,
      output_tokens: 10 + i,
      cost_usd: 0.001 * (i + 1),
      duration_ms: 50 + i,
      status: i % 7 === 0 ? 'error' : 'success',
      user_id: `user-${i % 4}`,
      session_id: `sess-${i % 6}`,
    }));
    const questions = [
      ['--summary', '--json'],
      ['--summary'],
      ['--user', 'user-1', '--json'],
      ['--list-sessions', '--user', 'user-2'],
      ['--days', '7', '--json'],
    ];
    const answers: string[] = [];
    let summary: any;
    try {
      await ingest(s.call, calls);
      const sum = (f: (c: RawCall) => number) => calls.reduce((a, c) => a + f(c), 0);
      const r = await tally(['--summary', '--json', '--url', s.url, '--key', ADMIN]);
      expect(r.code).toBe(0);
      summary = JSON.parse(r.out);
      expect(summary.totals).toMatchObject({
        calls: 40,
        errors: calls.filter((c) => c.status === 'error').length,
        input_tokens: sum((c) => c.input_tokens!),
        output_tokens: sum((c) => c.output_tokens!),
        total_tokens: sum((c) => c.input_tokens! + c.output_tokens!),
        users: 4,
        sessions: 6,
      });
      expect(summary.totals.cost_usd).toBeCloseTo(
        sum((c) => c.cost_usd!),
        9,
      );
      expect(summary.by_model.map((m: { value: string; calls: number }) => [m.value, m.calls])).toEqual([
        ['gpt-4o-mini', 26],
        ['gpt-4o', 14],
      ]);
      for (const q of questions) answers.push((await tally([...q, '--url', s.url, '--key', ADMIN])).out);
    } finally {
      await s.stop();
    }
    for (const [i, q] of questions.entries()) {
      const local = await tally([...q, '--data', s.dataDir]);
      expect(local.err).toContain('reading the data directory');
      expect(local.out).toBe(answers[i]);
    }
    expect(JSON.parse(answers[2]!).totals.calls).toBe(10);
    const out = join(dir, 'user-1.json');
    expect((await tally(['--user', 'user-1', '--export', out, '--data', s.dataDir])).code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(JSON.parse(answers[2]!));
    expect(answers[3]).toMatch(/sess-2\s+/);
  }, 60_000);
});
