import type { KeyScope } from '@tally/storage';

/** Who is calling. `open` is the loopback-only mode of a server that has no API keys yet. */
export type Principal =
  { kind: 'admin' } | { kind: 'open' } | { kind: 'key'; keyId: string; projectId: string; scope: KeyScope };

/** What a route needs: to write events, to read them, to delete a project's data, or to manage projects and keys. */
export type Access = 'ingest' | 'read' | 'delete' | 'admin';

export const DEFAULT_PROJECT = 'default';

/** Reads the caller's secret from `Authorization: Bearer`, `x-tally-key` or `x-api-key`. */
export function secretFromHeaders(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1]) return m[1];
  }
  for (const name of ['x-tally-key', 'x-api-key']) {
    const v = headers[name];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return null;
}
