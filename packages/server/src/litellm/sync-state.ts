import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isCursorTime, type LiteLLMCursor } from '@tally/storage';

/**
 * Where `tally sync litellm` stands, kept in a small JSON file so that a stopped or killed sync resumes where it
 * was. The cursor is written only after Tally acknowledged the batch up to it, and the file is replaced whole
 * (write, then rename), so it never holds a half-written cursor.
 */
export interface SyncState {
  version: 1;
  /** The LiteLLM database, password masked. */
  source: string;
  /** Where the rows went (server or data directory, and project), to notice a cursor shared by two targets. */
  target: string;
  cursor: LiteLLMCursor;
  updated_at: string;
}

/** The URL without its password: the same database read with another password keeps its cursor. */
export function urlWithoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1@');
  }
}

/** The default state file of a LiteLLM database: `<data dir>/litellm-sync/<sha256 of the URL without password>.json`. */
export function defaultStatePath(dataDir: string, url: string): string {
  const hash = createHash('sha256').update(urlWithoutPassword(url)).digest('hex');
  return join(dataDir, 'litellm-sync', `${hash}.json`);
}

/** The saved state, or null when there is none yet. A file that is not a state is an error, not a fresh start. */
export async function loadState(path: string): Promise<SyncState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the sync state ${path}: ${(e as Error).message}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  const cursor = (value as { cursor?: Partial<LiteLLMCursor> } | null)?.cursor;
  if (!isCursorTime(cursor?.startTime) || typeof cursor?.requestId !== 'string') {
    throw new Error(
      `${path} is not a LiteLLM sync state (no valid cursor in it); delete it or pass --reset to start over, ` +
        'which re-reads every row (harmless: calls already stored are kept once)',
    );
  }
  return value as SyncState;
}

/** Replaces the state file whole: a crash leaves the previous cursor or the new one, never a torn file. */
export async function saveState(path: string, state: SyncState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}
