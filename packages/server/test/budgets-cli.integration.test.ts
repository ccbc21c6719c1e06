import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, tempDir } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

async function tally(args: string[]) {
  try {
    const r = await promisify(execFile)(
      process.execPath,
      ['--conditions=tally-source', '--import', 'tsx', cli, ...args],
      {
        // No server named, and none where `tally serve` would listen (port 9): commands without --url use --data.
        env: { ...process.env, TALLY_URL: '', TALLY_PORT: '9', TALLY_API_KEY: '', TALLY_ADMIN_TOKEN: '' },
      },
    );
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('tally budgets, alerts and webhooks', () => {
  it('explain themselves', async () => {
    const r = await tally(['budgets', 'create', '--help']);
    expect(r.out).toContain('--metric <metric>');
    expect(r.out).toContain('tally budgets create --name "Alice monthly" --metric cost_usd --limit 50');
  });

  it('manage a project’s budgets, alert rules and webhooks through a running server', async () => {
    const s = await startTestServer();
    try {
      await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'cli', name: 'CLI' } });
      const to = ['--url', s.url, '--key', ADMIN, '--project', 'cli'];
      const created = await tally([
        'budgets',
        'create',
        '--name',
        'Alice monthly',
        '--metric',
        'cost_usd',
        '--limit',
        '50',
        '--user',
        'alice',
        '--thresholds',
        '50,80,100',
        '--hard',
        ...to,
      ]);
      expect(created.err).toBe('');
      const id = /created budget (bud_[0-9a-f]{16})/.exec(created.out)?.[1];
      expect(id).toBeDefined();
      expect(created.out).toContain('"Alice monthly"  cost_usd 0 / 50 (0 %)  month (UTC)');
      expect(created.out).toContain('user_id=alice  hard');
      const updated = await tally(['budgets', 'update', id!, '--limit', '75', '--soft', '--user', 'none', ...to]);
      expect(updated.out).toContain('0 / 75 (0 %)');
      expect(updated.out).toContain('whole project  soft');
      const listed = JSON.parse((await tally(['budgets', 'list', '--json', ...to])).out);
      expect(listed).toMatchObject([{ id, limit: 75, hard: false, user_id: null, thresholds: [50, 80, 100] }]);
      const bad = await tally(['budgets', 'create', '--name', 'x', '--metric', 'calls', '--limit', '2.5', ...to]);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('must be a whole number for a calls budget');
      expect((await tally(['budgets', 'delete', id!, ...to])).out).toContain(`deleted budget ${id}`);

      const rule = await tally([
        'alerts',
        'create',
        '--name',
        'OpenAI errors',
        '--metric',
        'error_rate',
        '--threshold',
        '0.05',
        '--provider',
        'openai',
        ...to,
      ]);
      expect(rule.out).toContain('error_rate > 0.05 over 15 min  provider=openai  ok');
      const ruleId = /created alert rule (alr_[0-9a-f]{16})/.exec(rule.out)?.[1];
      expect((await tally(['alerts', 'update', ruleId!, '--disable', ...to])).out).toContain('ok (disabled)');

      const hook = await tally(['webhooks', 'create', '--endpoint', 'https://hooks.example.com/tally', ...to]);
      expect(hook.out).toMatch(/shown this once, store it now:\n {2}whsec_[A-Za-z0-9_-]{32}/);
      expect((await tally(['webhooks', 'list', ...to])).out).toContain('https://hooks.example.com/tally  enabled');
      expect(
        (await s.call('GET', '/api/v1/alerts', { key: ADMIN, headers: { 'x-tally-project': 'cli' } })).body.alerts,
      ).toHaveLength(1);
    } finally {
      await s.stop();
    }
  }, 180_000);

  it('work on the data directory when no server runs', async () => {
    const data = tempDir();
    const r = await tally([
      'budgets',
      'create',
      '--name',
      'Calls',
      '--metric',
      'calls',
      '--limit',
      '10',
      '--period',
      'day',
      '--data',
      data,
    ]);
    expect(r.code).toBe(0);
    expect((await tally(['budgets', 'list', '--data', data])).out).toContain('"Calls"  calls 0 / 10 (0 %)  day (UTC)');
    const missing = await tally(['budgets', 'list', '--data', data, '--project', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('project nope does not exist');
  }, 60_000);
});
