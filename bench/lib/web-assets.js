// The dashboard's built files as a browser receives them: which scripts index.html makes it load before anything
// else (the entry and its modulepreloads), and their sizes raw and gzipped as a server would send them.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Scripts the first page load fetches before the app runs: `<script type=module src>` and modulepreloads. */
export function initialScripts(distDir) {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const urls = new Set();
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) urls.add(m[1]);
  return [...urls];
}

/** Raw and gzipped (level 6, as HTTP servers compress by default) size of a built file named by its URL path. */
export function assetSize(distDir, urlPath) {
  const file = join(distDir, urlPath.replace(/^\//, ''));
  const bytes = readFileSync(file);
  return { path: urlPath, raw: statSync(file).size, gzip: gzipSync(bytes, { level: 6 }).length };
}

export function totalSize(sizes) {
  return sizes.reduce((t, s) => ({ raw: t.raw + s.raw, gzip: t.gzip + s.gzip }), { raw: 0, gzip: 0 });
}
