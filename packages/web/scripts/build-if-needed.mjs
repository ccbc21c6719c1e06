// Builds the dashboard into packages/web/dist when a source is newer than the last build (or there is none), so
// that `npm start` and the browser tests always serve the current code without rebuilding every time.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

/** True when dist/index.html is missing or older than a source file. */
export function isStale() {
  const built = join(root, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((s) => newest(join(root, s)) > builtAt);
}

export async function buildIfNeeded({ quiet = false } = {}) {
  if (!isStale()) {
    if (!quiet) console.log('dashboard: packages/web/dist is up to date');
    return false;
  }
  const { build } = await import('vite');
  if (!quiet) console.log('dashboard: building packages/web/dist …');
  // Build beside dist, then move in: assets first (hashed names, old ones kept so that a page already open can
  // still load its chunks), index.html last, so a running server never serves an index whose assets are missing.
  const out = join(root, `dist.build-${process.pid}`);
  // A build started from a test run inherits NODE_ENV=test, which would make Vite bundle React's development
  // build: the dashboard is always built for production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, logLevel: quiet ? 'warn' : 'info', build: { outDir: out, emptyOutDir: true } });
    const dist = join(root, 'dist');
    mkdirSync(dist, { recursive: true });
    for (const name of readdirSync(out)) {
      if (name !== 'index.html') cpSync(join(out, name), join(dist, name), { recursive: true, force: true });
    }
    renameSync(join(out, 'index.html'), join(dist, 'index.html'));
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    rmSync(out, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildIfNeeded().catch((e) => {
    console.error(`dashboard: the build failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
