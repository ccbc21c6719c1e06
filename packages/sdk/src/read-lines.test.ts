import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileLine } from './read-lines.js';
import { readLines } from './read-lines.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-read-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What readLines must yield, computed the obvious way from the whole file in memory. */
function reference(bytes: Buffer, maxBytes: number): FileLine[] {
  const out: FileLine[] = [];
  let start = 0;
  for (let line = 1; start < bytes.length; line++) {
    const nl = bytes.indexOf(10, start);
    const end = nl === -1 ? bytes.length : nl;
    const size = end - start;
    if (size > maxBytes) out.push({ line, oversized: size });
    else {
      const text = bytes.toString('utf8', start, end).replace(/\r$/, '');
      if (text.trim() !== '') out.push({ line, text, terminated: nl !== -1 });
    }
    start = end + 1;
  }
  return out;
}

/** Several MiB of lines of every length, so that lines of each kind straddle the reader's 1 MiB reads. */
function makeFile(seed: number): Buffer {
  let a = seed;
  const random = () => (a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296;
  const parts: string[] = [];
  let size = 0;
  while (size < 5 << 20) {
    const x = random();
    const length = x < 0.7 ? Math.floor(random() * 900) : x < 0.95 ? Math.floor(random() * 5000) : 300_000;
    // Multi-byte characters (2, 3 and 4 bytes), so some are cut by a read boundary.
    const text = 'é☃😀{"a":1}'.repeat(Math.ceil(length / 11)).slice(0, length);
    const end = x < 0.1 ? '\r\n' : x < 0.15 ? '\n\n   \n' : '\n';
    parts.push(text + end);
    size += Buffer.byteLength(text + end);
  }
  parts.push('{"last": "line without newline"}');
  return Buffer.from(parts.join(''));
}

async function collect(path: string, maxBytes: number): Promise<FileLine[]> {
  const out: FileLine[] = [];
  for await (const l of readLines(path, maxBytes)) out.push(l);
  return out;
}

describe('readLines', () => {
  it('yields every line of a large file with its number, skips blank ones and reports long ones by size', async () => {
    const bytes = makeFile(7);
    const path = join(dir, 'big.jsonl');
    await writeFile(path, bytes);
    for (const maxBytes of [4000, 1 << 20]) {
      const got = await collect(path, maxBytes);
      const want = reference(bytes, maxBytes);
      expect(got.length).toBe(want.length);
      expect(got).toEqual(want);
    }
  });

  it('reads a gzipped file like the plain one', async () => {
    const bytes = makeFile(11);
    const path = join(dir, 'big.jsonl.gz');
    await writeFile(path, gzipSync(bytes));
    expect(await collect(path, 10_000)).toEqual(reference(bytes, 10_000));
  });

  it('reads a missing file as empty', async () => {
    expect(await collect(join(dir, 'missing.jsonl'), 1000)).toEqual([]);
  });
});
