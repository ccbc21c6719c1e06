import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One line of a file: its 1-based number, its text, or why it has none. */
export type FileLine = { line: number; text: string; terminated: boolean } | { line: number; oversized: number };

/** Rotated archives (`archive/*.jsonl.gz`) read like the live file. */
function open(path: string): Readable {
  const file = createReadStream(path);
  if (!path.endsWith('.gz')) return file;
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err)); // pipe() does not forward errors; ENOENT must reach the reader
  return file.pipe(gunzip);
}

/**
 * Streams a file's lines without ever holding more than `maxBytes` of one line: a longer line is skipped as it
 * streams past and reported by size. Blank lines are left out. A missing file yields nothing; a `.gz` file
 * is decompressed.
 *
 * @example for await (const l of readLines('calls.jsonl', 1 << 20)) if ('text' in l) console.log(l.line, l.text);
 */
export async function* readLines(path: string, maxBytes: number): AsyncGenerator<FileLine> {
  const stream = open(path);
  let parts: Buffer[] = [];
  let size = 0; // bytes of the current line seen so far, kept or not
  let line = 0;
  const take = (terminated: boolean): FileLine | null => {
    line++;
    const n = size;
    const text = n > maxBytes ? null : Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    if (text === null) return { line, oversized: n };
    return text.trim() === '' ? null : { line, text, terminated };
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        size += piece.length;
        if (size <= maxBytes) parts.push(piece);
        const l = take(true);
        if (l) yield l;
        start = nl + 1;
      }
      const rest = chunk.subarray(start);
      size += rest.length;
      if (size <= maxBytes) parts.push(rest);
      else parts = [];
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (size > 0) {
    const l = take(false);
    if (l) yield l;
  }
}
