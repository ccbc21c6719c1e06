import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, tempDir } from './helpers.js';

describe('tally projects update', () => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const tally = async (args: string[]) => {
    try {
      const r = await promisify(execFile)(
        process.execPath,
        ['--conditions=tally-source', '--import', 'tsx', cli, ...args],
        {
          // No server named, and none on the local port: the data directory is used unless --url is passed.
          env: { ...process.env, TALLY_URL: undefined, TALLY_PORT: '1' },
        },
      );
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  it('changes retention and max_events through a running server', async () => {
    const s = await startTestServer();
    try {
      const to = ['--url', s.url, '--admin-token', ADMIN];
      const r = await tally(['projects', 'update', 'default', '--retention-days', '30', '--max-events', '5000', ...to]);
      expect(r.err).toBe('');
      expect(r.out).toContain('updated project default (Default): capture=full retention=30 days max_events=5000');
      expect((await s.call('GET', '/analytics/stats')).body).toMatchObject({
        ttl_seconds: 30 * 86_400,
        max_events: 5000,
      });
      const cleared = await tally(['projects', 'update', 'default', '--max-events', 'none', ...to]);
      expect(cleared.out).toContain('retention=30 days max_events=none');
      expect((await s.call('GET', '/analytics/stats')).body.max_events).toBeNull();
    } finally {
      await s.stop();
    }
  });

  it('works on the data directory when no server runs, and refuses bad values', async () => {
    const data = tempDir();
    const r = await tally(['projects', 'update', 'default', '--retention-days', '7', '--data', data]);
    expect(r.out).toContain('retention=7 days max_events=none');
    expect((await tally(['projects', 'list', '--data', data])).out).toMatch(/default .* retention=7 days/);
    const bad = await tally(['projects', 'update', 'default', '--retention-days', '0', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--retention-days must be a whole number from 1 to 36500, or none');
    const nothing = await tally(['projects', 'update', 'default', '--data', data]);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toContain('nothing to change');
  });
});
