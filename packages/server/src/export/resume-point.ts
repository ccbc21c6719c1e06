import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { RecordScanner, csvFields } from './record-scanner.js';

/** Where a partly downloaded CSV or NDJSON export stops, and how to continue it. */
export interface ResumePoint {
  /** Data rows already in the file, a header row not counted. */
  rows: number;
  /** Bytes to keep: the file up to the end of its last complete row (a row cut in the middle is dropped). */
  keep: number;
  /** `<timestamp>,<id>` of the last complete row, for the `after` parameter; null to start from the first row. */
  after: string | null;
  /** CSV: whether the header row is still missing. */
  header: boolean;
}

/**
 * Reads a partial export written by `tally export` (or any client that saved the bytes as they came): exports
 * are ordered by (timestamp, id), so the last complete row says where the rest begins. Null when the file does
 * not exist.
 */
export async function resumePoint(path: string, format: 'csv' | 'ndjson'): Promise<ResumePoint | null> {
  const csv = format === 'csv';
  const scanner = new RecordScanner(csv);
  try {
    for await (const buf of createReadStream(path, { highWaterMark: 1 << 20 })) scanner.push(buf as Buffer);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (scanner.records === 0) return { rows: 0, keep: 0, after: null, header: csv };
  const last = await readRecord(path, scanner.lastStart, scanner.lastEnd);
  if (!csv) return { rows: scanner.records, keep: scanner.lastEnd, after: afterOfJson(last), header: false };
  const columns = csvFields(await readRecord(path, 0, scanner.firstEnd));
  const id = columns.indexOf('id');
  const ts = columns.indexOf('timestamp');
  if (id === -1 || ts === -1) {
    throw new Error(
      `${path} does not start with the header row of a Tally CSV export; --resume continues only such a file`,
    );
  }
  if (scanner.records === 1) return { rows: 0, keep: scanner.firstEnd, after: null, header: false };
  const fields = csvFields(last);
  return { rows: scanner.records - 1, keep: scanner.lastEnd, after: `${fields[ts]},${fields[id]}`, header: false };
}

function afterOfJson(line: string): string {
  const row = JSON.parse(line) as { timestamp?: unknown; id?: unknown };
  if (typeof row.timestamp !== 'string' || typeof row.id !== 'string') {
    throw new Error(
      'the last line of the file is not a row of a Tally NDJSON export; --resume continues only such a file',
    );
  }
  return `${row.timestamp},${row.id}`;
}

/** The text of the bytes [start, end), without the line break that ends them. */
async function readRecord(path: string, start: number, end: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    await file.read(buf, 0, buf.length, start);
    return buf.toString('utf8').replace(/\r?\n$/, '');
  } finally {
    await file.close();
  }
}
