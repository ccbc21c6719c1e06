import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, tempDir } from './helpers.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

async function tally(args: string[], env: Record<string, string | undefined> = {}) {
  try {
    const r = await run(process.execPath, ['--conditions=tally-source', '--import', 'tsx', cli, ...args], {
      // No server named, and none on the local port: only the flags a test passes say where data lives.
      env: { ...process.env, TALLY_URL: undefined, TALLY_PORT: '1', ...env },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('tally CLI', () => {
  it('explains itself', async () => {
    const r = await tally(['keys', 'create', '--help']);
    expect(r.out).toContain('--scope <scope>');
    expect(r.out).toContain('tally keys create --project default --scope ingest');
  });

  it('manages projects and keys on the data directory when no server runs', async () => {
    const data = tempDir();
    const created = await tally(['projects', 'create', 'Support Bot', '--data', data]);
    expect(created.code).toBe(0);
    expect(created.out).toContain('tly_admin_');
    expect(created.out).toContain('created project support-bot');
    const key = await tally(['keys', 'create', '--project', 'support-bot', '--scope', 'ingest', '--data', data]);
    expect(key.out).toMatch(/tly_[A-Za-z0-9_-]{32}/);
    const list = await tally(['projects', 'list', '--data', data]);
    expect(list.out).toContain('support-bot');
    const bad = await tally(['keys', 'create', '--project', 'nope', '--scope', 'read', '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('project nope does not exist');
    const scope = await tally(['keys', 'create', '--project', 'support-bot', '--scope', 'write', '--data', data]);
    expect(scope.err).toContain('Allowed choices are ingest, read');
  });

  it('goes through a running server over HTTP, which owns the database', async () => {
    const s = await startTestServer();
    try {
      const r = await tally(['projects', 'create', 'Remote', '--url', s.url, '--admin-token', ADMIN]);
      expect(r.out).toContain('created project remote');
      expect((await s.call('GET', '/api/v1/projects')).body.projects.map((p: { id: string }) => p.id)).toContain(
        'remote',
      );
      const k = await tally([
        'keys',
        'create',
        '--project',
        'remote',
        '--scope',
        'read',
        '--url',
        s.url,
        '--admin-token',
        ADMIN,
      ]);
      expect(k.code).toBe(0);
      const denied = await tally([
        'projects',
        'create',
        'Other',
        '--url',
        s.url,
        '--admin-token',
        'wrong-token-wrong-token',
      ]);
      expect(denied.code).toBe(1);
      expect(denied.err).toContain('401');
    } finally {
      await s.stop();
    }
  });

  it('fails, and touches no data directory, when the server named by --url or TALLY_URL does not answer', async () => {
    const data = tempDir();
    const flag = await tally(['projects', 'list', '--url', 'http://127.0.0.1:9', '--data', data]);
    expect(flag.code).toBe(1);
    expect(flag.err).toContain('no Tally server answers at http://127.0.0.1:9 (from --url)');
    const env = await tally(['keys', 'list', '--project', 'default', '--data', data], {
      TALLY_URL: 'http://127.0.0.1:9',
    });
    expect(env.code).toBe(1);
    expect(env.err).toContain('no Tally server answers at http://127.0.0.1:9 (from TALLY_URL)');
    expect(readdirSync(data)).toEqual([]);
  }, 60_000);

  it('refuses a bad configuration with a precise message', async () => {
    const r = await tally(['serve', '--port', '99999', '--data', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('TALLY_PORT (--port) must be a whole number from 0 to 65535; got 99999');
  });
});
