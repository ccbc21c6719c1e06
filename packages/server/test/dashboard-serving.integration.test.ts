import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, DASHBOARD_PAGES } from '../src/routes/dashboard-routes.js';
import { startTestServer, tempDir, type TestServer } from './helpers.js';

/** What a browser sends when it navigates to a page. */
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-abc.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("tally dashboard");\n';

async function get(s: TestServer, path: string, accept?: string) {
  const r = await fetch(`${s.url}${path}`, { headers: accept ? { accept } : {} });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

describe('the dashboard, served at /', () => {
  let s: TestServer;
  let webDir: string;

  beforeAll(async () => {
    webDir = tempDir('tally-web-');
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), INDEX);
    writeFileSync(join(webDir, 'assets', 'app-abc.js'), SCRIPT);
    writeFileSync(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    s = await startTestServer({ TALLY_WEB_DIR: webDir });
  });
  afterAll(() => s.stop());

  it('answers a browser at / with the dashboard, under a strict Content-Security-Policy', async () => {
    const r = await get(s, '/', BROWSER);
    expect(r.status).toBe(200);
    expect(r.text).toBe(INDEX);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-cache');
  });

  it('keeps answering API clients at / with the API information', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const r = await get(s, '/', accept);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(JSON.parse(r.text)).toMatchObject({ name: 'Tally', documentation: '/docs' });
    }
  });

  it("answers a browser's deep link to a page with the dashboard, and other clients with a 404", async () => {
    for (const page of ['/models', '/users/user_8f3a2c', '/sessions/sess-1', '/live', '/signin']) {
      const r = await get(s, page, BROWSER);
      expect([page, r.status, r.text]).toEqual([page, 200, INDEX]);
      expect(r.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    }
    const api = await get(s, '/models');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.text).error.code).toBe('not_found');
    // A path that is no page of the dashboard is a 404 for browsers too.
    expect((await get(s, '/no-such-page', BROWSER)).status).toBe(404);
  });

  it('serves the hashed assets for a year, and a missing asset is a 404', async () => {
    const r = await get(s, '/assets/app-abc.js');
    expect(r.status).toBe(200);
    expect(r.text).toBe(SCRIPT);
    expect(r.headers.get('content-type')).toContain('javascript');
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await get(s, '/assets/app-def.js');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.code).toBe('not_found');
    // Nothing outside the assets folder is reachable through it.
    expect((await get(s, '/assets/../index.html')).text).not.toBe(INDEX);
    expect((await get(s, '/assets/%2e%2e/index.html')).status).toBe(404);
  });

  it('serves the icon', async () => {
    const r = await get(s, '/favicon.svg');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('image/svg+xml');
  });

  it('keeps the pages out of the API reference', async () => {
    const spec = (await (await fetch(`${s.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    const paths = Object.keys(spec.paths);
    expect(paths).toContain('/');
    const pages = DASHBOARD_PAGES.map((p) => p.replace('/*', ''));
    expect(paths.filter((p) => pages.some((page) => p === page || p.startsWith(`${page}/`)))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('/assets') || p === '/favicon.svg')).toEqual([]);
  });
});

describe('a server whose dashboard is not built', () => {
  it('tells a browser at / how to build it (503), and still answers the API at /', async () => {
    const webDir = tempDir('tally-web-empty-');
    const s = await startTestServer({ TALLY_WEB_DIR: webDir });
    try {
      const r = await get(s, '/', BROWSER);
      expect(r.status).toBe(503);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(r.text).toContain('not built');
      expect(r.text).toContain('npm run build');
      expect(r.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect((await get(s, '/overview', BROWSER)).status).toBe(503);
      expect(JSON.parse((await get(s, '/')).text).name).toBe('Tally');
      expect((await get(s, '/assets/app-abc.js')).status).toBe(404);

      // Built while the server runs: served from the next request on.
      writeFileSync(join(webDir, 'index.html'), INDEX);
      expect((await get(s, '/', BROWSER)).text).toBe(INDEX);
    } finally {
      await s.stop();
      rmSync(webDir, { recursive: true, force: true });
    }
  });
});
