import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One line of a file: its 1-based number, its text, or why it has none. */
export type FileLine = { line: number; text: string; terminated: boolean } | { line: number; oversized: number };

/** Reads of 1 MiB: the stream's default 64 KiB makes reading a large file from the page cache 3-4 times slower. */
const READ_BYTES = 1 << 20;

/** A part of a file: bytes from `start` up to, not including, `end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Rotated archives (`archive/*.jsonl.gz`) read like the live file. */
function open(path: string, range: ByteRange | undefined): Readable {
  const file = createReadStream(path, {
    highWaterMark: READ_BYTES,
    ...(range && { start: range.start, end: range.end - 1 }),
  });
  if (!path.endsWith('.gz')) return file;
  const gunzip = createGunzip({ chunkSize: 256 << 10 });
  file.on('error', (err) => gunzip.destroy(err)); // pipe() does not forward errors; ENOENT must reach the reader
  return file.pipe(gunzip);
}

/** Whether a line (without its "\n") holds nothing but whitespace; most lines are decided by their first character. */
function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  return !(c > 32 && c < 127) && text.trim() === '';
}

/**
 * Streams a file's lines, a read's worth at a time, without ever holding more than `maxBytes` of one line: a
 * longer line is skipped as it streams past and reported by size. Blank lines are left out. A missing file yields
 * nothing; a `.gz` file is decompressed. With a `range` (plain files only), only those bytes are read, and line
 * numbers count from the range's start. `counted.lines` is set to the number of lines read, blank ones included,
 * once the end is reached.
 *
 * @example for await (const batch of readLineBatches('calls.jsonl', 1 << 20)) for (const l of batch) console.log(l.line);
 */
export async function* readLineBatches(
  path: string,
  maxBytes: number,
  range?: ByteRange,
  counted?: { lines: number },
): AsyncGenerator<FileLine[]> {
  const stream = open(path, range);
  let parts: Buffer[] = []; // the start of a line that began in an earlier chunk
  let size = 0; // bytes of that line seen so far, kept or not
  let line = 0;
  const finish = (batch: FileLine[], last: Buffer, terminated: boolean): void => {
    line++;
    const n = size + last.length;
    if (n > maxBytes) {
      batch.push({ line, oversized: n });
    } else {
      let text = (parts.length === 0 ? last : Buffer.concat([...parts, last])).toString('utf8');
      if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1); // "\r\n" line ends
      if (!isBlank(text)) batch.push({ line, text, terminated });
    }
    parts = [];
    size = 0;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const batch: FileLine[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (parts.length === 0 && size === 0) {
          // The common case: the whole line lies in this chunk.
          line++;
          if (nl - start > maxBytes) batch.push({ line, oversized: nl - start });
          else {
            const end = nl > start && chunk[nl - 1] === 13 ? nl - 1 : nl;
            const text = chunk.toString('utf8', start, end);
            if (!isBlank(text)) batch.push({ line, text, terminated: true });
          }
        } else {
          finish(batch, chunk.subarray(start, nl), true);
        }
        start = nl + 1;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        size += rest.length;
        if (size <= maxBytes) parts.push(rest);
        else parts = [];
      }
      if (batch.length > 0) yield batch;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (size > 0) {
    const batch: FileLine[] = [];
    finish(batch, Buffer.alloc(0), false);
    if (batch.length > 0) yield batch;
  }
  if (counted) counted.lines = line;
}

/**
 * Streams a file's lines one at a time; see `readLineBatches`.
 *
 * @example for await (const l of readLines('calls.jsonl', 1 << 20)) if ('text' in l) console.log(l.line, l.text);
 */
export async function* readLines(path: string, maxBytes: number): AsyncGenerator<FileLine> {
  for await (const batch of readLineBatches(path, maxBytes)) yield* batch;
}
