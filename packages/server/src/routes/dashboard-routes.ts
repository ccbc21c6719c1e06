import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TallyContext } from '../context.js';

/**
 * The dashboard's pages. The dashboard routes in the browser; these answer a reload or a shared link of a page
 * with the dashboard itself, which then shows the page.
 */
export const DASHBOARD_PAGES = [
  '/overview',
  '/models',
  '/agents',
  '/users',
  '/users/*',
  '/sessions',
  '/sessions/*',
  '/errors',
  '/explorer',
  '/live',
  '/budgets',
  '/settings',
  '/signin',
] as const;

/**
 * What the dashboard's HTML may load: its own scripts, styles and API only (React sets inline styles, charts use
 * data: images), and it may not be framed by another site.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** Asset names carry a hash of their content, so a browser may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A browser navigating to a page asks for HTML; API clients (curl, SDKs, fetch) do not. */
export function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tally: dashboard not built</title></head>
<body>
<h1>The Tally dashboard is not built</h1>
<p>This server found no <code>index.html</code> in its dashboard folder (<code>TALLY_WEB_DIR</code>).
Run <code>npm run build</code> in the Tally folder, then reload this page.</p>
<p>The API works without it: see <a href="/docs">/docs</a>.</p>
</body>
</html>
`;

/**
 * Answers with the dashboard's index.html, read at each request so that a dashboard built while the server runs is
 * served at once; or, when there is none, with a page saying how to build it (503).
 */
export async function sendDashboard(reply: FastifyReply, webDir: string): Promise<FastifyReply> {
  let html: Buffer | null = null;
  try {
    html = await readFile(join(webDir, 'index.html'));
  } catch (e) {
    // Any other failure (a folder Tally may not read) is the server's error, answered as such.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
  }
  return reply
    .code(html ? 200 : 503)
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-cache')
    .type('text/html; charset=utf-8')
    .send(html ?? NOT_BUILT);
}

/**
 * The built dashboard: its pages (to browsers; other clients get the usual 404), its hashed assets and its icon.
 * `GET /` itself is the meta route, which hands browsers to `sendDashboard`.
 */
export function registerDashboardRoutes(app: FastifyInstance, ctx: TallyContext): void {
  const webDir = ctx.config.webDir;
  for (const page of DASHBOARD_PAGES) {
    app.get(page, { schema: { hide: true } }, async (req, reply) =>
      wantsHtml(req) ? sendDashboard(reply, webDir) : reply.callNotFound(),
    );
  }

  // In a scope of its own: the documentation UI serves its files with the same plugin. Loaded here rather than with
  // this module: CLI commands that never start a server do not pay for it.
  app.register(async (scope) => {
    const { default: fastifyStatic } = await import('@fastify/static');
    await scope.register(fastifyStatic, {
      root: join(webDir, 'assets'),
      prefix: '/assets/',
      // The folder may not exist yet (the dashboard is built later); a missing file is a 404 like any other.
      suppressWarning: true,
      index: false,
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders: (reply) => {
        void reply.header('cache-control', IMMUTABLE).header('x-content-type-options', 'nosniff');
      },
    });
    scope.get('/favicon.svg', { schema: { hide: true } }, (_req, reply) =>
      reply
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .sendFile('favicon.svg', webDir, { cacheControl: false, dotfiles: 'ignore' }),
    );
  });
}
