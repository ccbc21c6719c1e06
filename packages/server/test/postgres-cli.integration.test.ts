import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usageCommand } from '../src/cli/usage-command.js';
import { ADMIN, startTestServerOn, tempDir, testDatabase, type TestServer } from './helpers.js';

/**
 * The CLI on a PostgreSQL store (`TALLY_STORE=postgres://…`): with no server to talk to, commands open the database
 * themselves, even while a Tally server elsewhere has it open (several Tally processes may share one database), and
 * never show its password. The pool of each process stays within TALLY_PG_POOL_SIZE.
 */
const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const DAY = 86_400_000;
const PASSWORD = 'not-shown-anywhere';
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

let s: TestServer;
/** The test database's URL with a password in it (the test server trusts local users, so it is never checked). */
let storeUrl: string;
let databaseName: string;

async function tally(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--conditions=tally-source', '--import', 'tsx', cli, ...args], {
      env: { ...process.env, TALLY_URL: undefined, TALLY_API_KEY: undefined, ...env },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

beforeAll(async () => {
  s = await startTestServerOn('postgres', { TALLY_PG_POOL_SIZE: '3' });
  const url = new URL((await testDatabase(s.dataDir)).url);
  databaseName = url.pathname.slice(1);
  url.password = PASSWORD;
  storeUrl = url.toString();
});
afterAll(async () => {
  await s?.stop();
});

describe('the CLI on PostgreSQL', () => {
  it('imports into the database while a server elsewhere runs on it, and that server sees the calls', async () => {
    const file = join(tempDir('tally-pg-cli-'), 'calls.jsonl');
    const lines = [
      { id: 'cli-1', timestamp: ago(1), model: 'gpt-4o', input_tokens: 120, output_tokens: 30, user_id: 'alice' },
      { id: 'cli-2', timestamp: ago(2), model: 'gpt-4o-mini', input_tokens: 80, output_tokens: 20, user_id: 'bob' },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    // The server is not where this command looks for one (TALLY_PORT): it opens the database beside it.
    const env = { TALLY_STORE: storeUrl, TALLY_PORT: '1', TALLY_ADMIN_TOKEN: ADMIN };
    const r = await tally(['import', file, '--project', 'default'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `no Tally server answers at http://127.0.0.1:1; using the PostgreSQL database postgres://root:***@127.0.0.1:5432/${databaseName}`,
    );
    expect(r.out + r.err).not.toContain(PASSWORD);
    expect(r.out).toContain('2 imported, 0 already present');

    const seen = await s.call('GET', '/api/v1/events/cli-1', { key: ADMIN });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: 'cli-1', model: 'gpt-4o', ingest_source: 'import', user_id: 'alice' });

    const again = await tally(['import', file, '--project', 'default'], env);
    expect(again.out).toContain('0 imported, 2 already present');
  }, 120_000);

  it('answers tally usage from the database', async () => {
    let out = '';
    const env = { TALLY_STORE: storeUrl, TALLY_PORT: '1', TALLY_ADMIN_TOKEN: ADMIN };
    const command = usageCommand(env, (line) => (out += `${line}\n`));
    await command.parseAsync(['--list-users', '--json'], { from: 'user' });
    expect(JSON.parse(out).ids).toEqual([
      { id: 'alice', calls: 1 },
      { id: 'bob', calls: 1 },
    ]);
  });

  it('keeps at most TALLY_PG_POOL_SIZE connections open per process', async () => {
    const questions = Array.from({ length: 12 }, (_, i) => `/api/v1/analytics/summary?hours=${i + 1}`);
    const answers = await Promise.all(questions.map((q) => s.call('GET', q, { key: ADMIN })));
    expect(answers.map((a) => a.status)).toEqual(questions.map(() => 200));
    const db = new pg.Client({ connectionString: (await testDatabase(s.dataDir)).url });
    await db.connect();
    try {
      const r = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tally'`,
        [databaseName],
      );
      expect(Number(r.rows[0]!.n)).toBeGreaterThanOrEqual(1);
      expect(Number(r.rows[0]!.n)).toBeLessThanOrEqual(3);
    } finally {
      await db.end();
    }
  });
});
