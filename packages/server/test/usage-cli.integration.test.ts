import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { configure, flush, logCall, shutdown, UsageAnalyzer } from '@tally/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageCommand } from '../src/cli/usage-command.js';
import { ingest, type RawCall } from './dataset.js';
import { ADMIN, startTestServer, tempDir } from './helpers.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const DAY = 86_400_000;

/**
 * Runs the CLI with no server URL in its environment and a local port nothing listens on, so that only what a test
 * passes decides where calls are read.
 */
async function tallyCommand(command: string, args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--conditions=tally-source', '--import', 'tsx', cli, command, ...args], {
      env: { ...process.env, TALLY_URL: undefined, TALLY_API_KEY: undefined, TALLY_PORT: '1', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const tally = (args: string[], env: Record<string, string> = {}) => tallyCommand('usage', args, env);

/**
 * The command itself, run in this process (a process per question would take minutes on a busy machine), with no
 * server URL in its environment and a local port nothing listens on. Returns what it prints on stdout; a bad flag
 * rejects with commander's message.
 */
async function usage(args: string[], env: Record<string, string> = {}): Promise<string> {
  let out = '';
  const command = usageCommand({ TALLY_PORT: '1', ...env }, (line) => (out += `${line}\n`))
    .exitOverride()
    .configureOutput({ writeOut: (t) => (out += t), writeErr: () => undefined });
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (e) {
    if ((e as { code?: string }).code !== 'commander.helpDisplayed') throw e;
  }
  return out;
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
      latency_ms: 100 * c.days + 0.123,
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
    const out = JSON.parse(await usage(['--file', file, '--summary', '--json']));
    const expected = await analyzer().getUsageSummary();
    const avg = expected.overall_stats.avg_latency_ms;
    expect(out).toEqual({
      ...expected,
      overall_stats: { ...expected.overall_stats, avg_latency_ms: Math.round(avg * 1e6) / 1e6 },
    });
    expect(out.overall_stats.total_calls).toBe(6);
    // Maps are ordered by calls, whatever order the file holds them in.
    expect(Object.keys(out.overall_stats.by_model)).toEqual(['gpt-4o', 'gemini-2.0-flash', 'gpt-4o-mini']);
    const text = await usage(['--file', file]);
    expect(text).toContain('2 users, 3 sessions, 1 sources');
    expect(text).toMatch(/gpt-4o\s+4\s+407\s+83\s+490/);
  });

  it('answers --user, --list-users, --list-sessions --user and --days 7', async () => {
    const user = JSON.parse(await usage(['--file', file, '--user', 'alice', '--json']));
    expect(user).toEqual({ ...(await analyzer().getUserUsage('alice')), avg_latency_ms: 766.789667 });
    expect(user.total_tokens).toBe(495);
    const users = JSON.parse(await usage(['--file', file, '--list-users', '--json']));
    expect(users.ids).toEqual([
      { id: 'alice', calls: 3 },
      { id: 'bob', calls: 2 },
    ]);
    const sessions = JSON.parse(await usage(['--file', file, '--list-sessions', '--user', 'alice', '--json']));
    expect(sessions.ids.map((s: { id: string }) => s.id)).toEqual(['s1', 's2']);
    const week = JSON.parse(await usage(['--file', file, '--days', '7', '--json']));
    expect(week.total_calls).toBe(4);
    expect(week.total_tokens).toBe(175);
    expect(await usage(['--file', file, '--list-users'])).toMatch(/alice\s+3\n/);
  });

  it('exports a user report', async () => {
    const out = join(dir, 'alice.json');
    expect(await usage(['--file', file, '--user', 'alice', '--export', out])).toContain(
      `user alice: report written to ${out}`,
    );
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.total_sessions).toBe(2);
    expect(report.last_30_days.total_calls).toBe(3);
    expect(Object.keys(report.sessions)).toEqual(['s1', 's2']);
  });

  it('says which lines it skipped and why, and counts the rest', async () => {
    const broken = join(dir, 'broken.jsonl');
    await appendFile(broken, (await readFile(file, 'utf8')) + '{"model": "gpt-4o", oops\n{"model":"trunc');
    const r = await tally(['--file', broken, '--summary', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).overall_stats.total_calls).toBe(6);
    expect(r.err).toContain('line 7: invalid JSON');
    expect(r.err).toContain('line 8: truncated last line');
  });

  it('rejects flags that ask two questions, and explains itself', async () => {
    const bad = await tally(['--file', file, '--user', 'a', '--session', 'b']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('ask one question at a time');
    await expect(usage(['--file', file, '--export', join(dir, 'x.json')])).rejects.toThrow(
      '--export FILE needs --user ID',
    );
    await expect(usage(['--file', file, '--days', 'x'])).rejects.toThrow('--days must be a whole number');
    await expect(usage(['--file', file, '--url', 'http://127.0.0.1:9'])).rejects.toThrow(
      '--file reads a JSONL file; --url choose a store',
    );
    const help = await usage(['--help']);
    for (const flag of ['--summary', '--list-sessions', '--export <file>', '--file <path>', '--json'])
      expect(help).toContain(flag);
    expect(help).toContain('tally usage --file calls.jsonl --user user_123 --export user_report.json');
    expect(help).toContain('A server named');
  });
});

/** Every question, asked with --json and as tables. */
const QUESTIONS = [
  ['--summary'],
  ['--user', 'alice'],
  ['--user', 'bob', '--days', '7'],
  ['--session', 's1'],
  ['--source', 'doc_1'],
  ['--days', '7'],
  ['--list-users'],
  ['--list-sessions'],
  ['--list-sessions', '--user', 'alice'],
  ['--list-sources'],
];

describe('tally usage against stored calls', () => {
  it('gives a file, a server holding its calls and that server’s data directory the same answers', async () => {
    const s = await startTestServer();
    const fromFile: string[] = [];
    const fromServer: string[] = [];
    const reports: unknown[] = [];
    const report = async (where: string[]) => {
      const out = join(dir, `report-${reports.length}.json`);
      const printed = JSON.parse(await usage(['--user', 'alice', '--export', out, '--json', ...where]));
      const written = JSON.parse(await readFile(out, 'utf8'));
      expect(printed).toEqual(written);
      const { generated_at: _at, ...rest } = written;
      reports.push(rest);
    };
    try {
      const imported = await tallyCommand('import', [file, '--url', s.url, '--key', ADMIN]);
      expect(imported.code, imported.err).toBe(0);
      expect(imported.out).toContain('6 imported, 0 already present');
      const server = ['--url', s.url, '--key', ADMIN];
      for (const q of QUESTIONS) {
        for (const json of [['--json'], []]) {
          fromFile.push(await usage([...q, ...json, '--file', file]));
          fromServer.push(await usage([...q, ...json, ...server]));
        }
      }
      await report(['--file', file]);
      await report(server);
    } finally {
      await s.stop();
    }
    // Byte for byte: the same JSON and the same tables, whichever source.
    for (const [i, out] of fromFile.entries()) expect(fromServer[i], `answer ${i}`).toBe(out);
    for (const [i, q] of QUESTIONS.entries())
      expect(await usage([...q, '--json', '--data', s.dataDir]), q.join(' ')).toBe(fromFile[i * 2]);
    await report(['--data', s.dataDir]);
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
    const summary = JSON.parse(fromFile[0]!);
    expect(summary.unique_counts).toEqual({ users: 2, sessions: 3, sources: 1 });
    expect(summary.overall_stats.failed_calls).toBe(1);
    expect(summary.time_range).toEqual((await new UsageAnalyzer({ path: file }).getUsageSummary()).time_range);
    // The process itself says where it read: the data directory, since no server runs.
    const r = await tally(['--list-users', '--data', s.dataDir]);
    expect(r.err).toContain('using the data directory');
    expect(r.out).toBe(fromFile[13]);
  }, 180_000);

  it('lists every user, session and source past the API’s 1,000-row pages', async () => {
    const s = await startTestServer();
    const now = Date.now() - 3_600_000;
    // 1,100 users in one millisecond (a range that cannot be split), and more spread over a month.
    const calls: RawCall[] = Array.from({ length: 2600 }, (_, i) => ({
      id: `many-${i}`,
      timestamp: new Date(i < 1100 ? now : now - (i % 30) * DAY - i * 1000).toISOString(),
      provider: 'openai',
      model: i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
      input_tokens: 10 + (i % 7),
      output_tokens: 1 + (i % 5),
      cost_usd: 0.0001 * (1 + (i % 3)),
      duration_ms: 40 + (i % 11),
      user_id: `user-${String(i % 1800).padStart(4, '0')}`,
      session_id: `sess-${i}`,
      ...(i % 2 === 0 ? { source_id: `doc-${(i / 2) % 1100}` } : {}),
    }));
    const questions = ['--list-users', '--list-sessions', '--list-sources', '--summary'];
    const answers: Record<string, string> = {};
    try {
      await ingest(s.call, calls);
      for (const q of questions) answers[q] = await usage([q, '--url', s.url, '--key', ADMIN, '--json']);
    } finally {
      await s.stop();
    }
    const ids = (q: string) => JSON.parse(answers[q]!).ids as Array<{ id: string; calls: number }>;
    expect(ids('--list-users')).toHaveLength(1800);
    expect(ids('--list-users').reduce((n, u) => n + u.calls, 0)).toBe(2600);
    expect(ids('--list-users')[0]).toEqual({ id: 'user-0000', calls: 2 });
    expect(ids('--list-sessions')).toHaveLength(2600);
    expect(ids('--list-sources')).toHaveLength(1100);
    const summary = JSON.parse(answers['--summary']!);
    expect(summary.unique_counts).toEqual({ users: 1800, sessions: 2600, sources: 1100 });
    expect(summary.overall_stats.total_calls).toBe(2600);
    expect(summary.overall_stats.by_model['gpt-4o'].calls).toBe(867);
    expect(summary.time_range.last_call).toBe(new Date(now).toISOString());
    const oldest = Math.min(...calls.map((c) => Date.parse(c.timestamp)));
    expect(summary.time_range.first_call).toBe(new Date(oldest).toISOString());
    // The data directory reads the same store without pages; the answers agree.
    for (const q of questions) expect(await usage([q, '--json', '--data', s.dataDir]), q).toBe(answers[q]);
  }, 180_000);
});

describe('where tally usage reads', () => {
  it('fails, and says why, when the server named by --url or TALLY_URL does not answer', async () => {
    const flag = await tally(['--summary', '--url', 'http://127.0.0.1:9']);
    expect(flag.code).toBe(1);
    expect(flag.err).toContain('no Tally server answers at http://127.0.0.1:9 (from --url)');
    await expect(usage(['--summary'], { TALLY_URL: 'http://127.0.0.1:9' })).rejects.toThrow(
      'no Tally server answers at http://127.0.0.1:9 (from TALLY_URL)',
    );
    await expect(usage(['--summary', '--url', 'tally.internal:8000'])).rejects.toThrow(
      '--url must be an http:// or https:// URL',
    );
  }, 60_000);

  it('uses the local server when no URL is given, and its data directory only when it does not answer', async () => {
    const s = await startTestServer();
    const port = new URL(s.url).port;
    let viaServer = '';
    try {
      await ingest(s.call, [{ id: 'local-1', timestamp: ago(1), model: 'gpt-4o', user_id: 'carol' }]);
      viaServer = await usage(['--list-users', '--json', '--key', ADMIN], { TALLY_PORT: port });
    } finally {
      await s.stop();
    }
    expect(JSON.parse(viaServer).ids).toEqual([{ id: 'carol', calls: 1 }]);
    const viaData = await tally(['--list-users', '--json', '--data', s.dataDir], { TALLY_PORT: port });
    expect(viaData.err).toContain(`no Tally server answers at http://127.0.0.1:${port}; using the data directory`);
    expect(viaData.out).toBe(viaServer);
  }, 60_000);

  it('never creates a store to answer a question', async () => {
    const empty = tempDir();
    await expect(usage(['--summary', '--data', empty])).rejects.toThrow('there is no store at');
    expect(readdirSync(empty)).toEqual([]);
  });
});
