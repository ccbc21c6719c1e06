import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configure, flush } from '../src/index.js';

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

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}
