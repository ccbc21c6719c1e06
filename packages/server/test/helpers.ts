import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../src/serve.js';

export const ADMIN = 'test-admin-token-0123456789';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** fetch against the server, JSON in and out. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

export function tempDir(prefix = 'tally-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real server on a free loopback port over a fresh DuckDB file. */
export async function startTestServer(
  env: Record<string, string> = {},
  dataDir = tempDir(),
  options: ServerOptions = {},
): Promise<TestServer> {
  const config = loadConfig({
    TALLY_PORT: '0',
    TALLY_DATA_DIR: dataDir,
    TALLY_LOG_LEVEL: 'silent',
    TALLY_ADMIN_TOKEN: ADMIN,
    ...env,
  });
  const server = await startServer(config, () => undefined, options);
  return {
    ...server,
    dataDir,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key) headers['authorization'] = `Bearer ${options.key}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const r = await fetch(`${server.url}${path}`, { method, headers, body: body ?? null });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: r.status, body: parsed, headers: r.headers };
    },
  };
}

export const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
