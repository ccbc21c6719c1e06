import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ByteRange } from './read-lines.js';
import type { PartResult, Question } from './usage-scan.js';
import { scanPart } from './usage-scan.js';
import type { PartJob } from './usage-worker.js';

const MAX_PARTS = 8;
/** The worker's module: the compiled one. Run from TypeScript sources (tests), parts are read on this thread. */
const WORKER = import.meta.url.endsWith('.js') ? new URL('./usage-worker.js', import.meta.url) : null;

export interface SplitOptions {
  /** Files at least this large are read in parts, one per thread (below it, a thread costs more than it saves). */
  minParallelBytes: number;
  /** Threads to read with (this one included). */
  threads: number;
}

/** The first line start at or after `offset` (the end of the file when no line starts there). */
async function lineStartAt(path: string, offset: number, size: number): Promise<number> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 << 10);
    // A line starts at `offset` when the byte before it is a line break.
    for (let pos = offset - 1; pos < size; pos += buf.length) {
      const { bytesRead } = await file.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl !== -1) return pos + nl + 1;
    }
    return size;
  } finally {
    await file.close();
  }
}

/**
 * Byte ranges of the file, cut at line starts, one per thread; null when the file is best read whole (small,
 * gzipped, missing, or one thread).
 */
export async function splitFile(path: string, o: SplitOptions): Promise<ByteRange[] | null> {
  if (path.endsWith('.gz') || o.threads < 2) return null;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return null; // a missing file reads as empty, the whole-file way
  }
  if (size < o.minParallelBytes) return null;
  const parts = Math.min(o.threads, MAX_PARTS);
  const cuts = [0];
  for (let k = 1; k < parts; k++) cuts.push(await lineStartAt(path, Math.floor((k * size) / parts), size));
  cuts.push(size);
  const ranges: ByteRange[] = [];
  for (let k = 0; k + 1 < cuts.length; k++)
    if (cuts[k]! < cuts[k + 1]!) ranges.push({ start: cuts[k]!, end: cuts[k + 1]! });
  return ranges.length > 1 ? ranges : null;
}

export const defaultThreads = () => availableParallelism();

function inWorker(job: PartJob): Promise<PartResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER!, { workerData: job });
    worker.once('message', (result: PartResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the analyzer's worker thread exited with code ${code}`)));
  });
}

/**
 * Answers `question` over each range: the first on this thread, the others on worker threads at the same time. A
 * part whose worker cannot start or fails is read again on this thread, which then reports any real read error.
 */
export function scanParts(
  path: string,
  ranges: ByteRange[],
  maxLineBytes: number,
  question: Question,
): Promise<PartResult[]> {
  return Promise.all(
    ranges.map((range, k) => {
      const here = () => scanPart(path, range, maxLineBytes, question);
      if (k === 0 || WORKER === null) return here();
      return inWorker({ path, range, maxLineBytes, question }).catch(here);
    }),
  );
}
