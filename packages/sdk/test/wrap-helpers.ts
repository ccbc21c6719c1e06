import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { configure, flush, shutdown } from '../src/index.js';
import { startFakeUpstream } from './fake-upstream.js';
import type { FakeUpstream, Reply } from './fake-upstream.js';

/**
 * Returns a function that points the SDK at a fresh JSONL file in `dir()` and gives back a reader of that file's
 * lines (read after a flush).
 */
export function freshFiles(dir: () => string, prefix: string): () => () => Promise<any[]> {
  let n = 0;
  return () => {
    const name = `${prefix}-${++n}.jsonl`;
    configure({ dir: dir(), file: name });
    return async () => {
      await flush();
      return (await readFile(join(dir(), name), 'utf8'))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
    };
  };
}

/**
 * Starts a fake upstream and a temporary directory for the test file's lifetime; `freshFile()` as in `freshFiles`.
 */
export function useUpstream(route: (path: string, body: Record<string, unknown>) => Reply | undefined, prefix: string) {
  let upstream: FakeUpstream | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    upstream = await startFakeUpstream(route);
    dir = await mkdtemp(join(tmpdir(), `tally-${prefix}-`));
  });
  afterAll(async () => {
    await shutdown();
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    url: () => upstream!.url,
    requests: () => upstream!.requests,
    dir: () => dir!,
    freshFile: freshFiles(() => dir!, prefix),
  };
}

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}
