import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** When the JSONL file is moved to `archive/` and gzipped. Off unless configured. */
export interface RotationOptions {
  /** Rotate before a write would take the file past this many bytes. */
  maxBytes?: number;
  /** Rotate when the file was last written in an earlier UTC month than now (seed 002's monthly archive). */
  monthly?: boolean;
}

const month = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

/** Whether the file at `size`/`mtime` must be rotated before `incoming` more bytes are appended at `now`. */
export function needsRotation(r: RotationOptions, size: number, mtime: Date, incoming: number, now: Date): boolean {
  if (size === 0) return false;
  if (r.monthly && month(mtime) !== month(now)) return true;
  return r.maxBytes !== undefined && size + incoming > r.maxBytes;
}

/**
 * Moves `file` to `<dir>/archive/<name>_<YYYYMM>[_<n>].jsonl.gz`, named by the month of its last write, and
 * returns the archive's path. The original is removed only once the archive is complete.
 *
 * @example await archiveFile('logs/llm_tracking/master_llm_calls.jsonl', new Date('2025-01-31T23:59:00Z'))
 *   // → 'logs/llm_tracking/archive/master_llm_calls_202501.jsonl.gz'
 */
export async function archiveFile(file: string, lastWrite: Date): Promise<string> {
  const dir = join(dirname(file), 'archive');
  await mkdir(dir, { recursive: true });
  const stem = `${basename(file, extname(file))}_${month(lastWrite)}`;
  // Move first, so writers reopening the path start a fresh file while the old one is compressed.
  const moving = join(dir, `${stem}.${process.pid}.${Date.now()}.jsonl`);
  await rename(file, moving);
  for (let n = 0; ; n++) {
    const target = join(dir, `${stem}${n === 0 ? '' : `_${n}`}.jsonl.gz`);
    try {
      // 'wx' never overwrites an archive of the same month (size rotation makes several).
      await pipeline(createReadStream(moving), createGzip(), createWriteStream(target, { flags: 'wx' }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await unlink(moving);
    return target;
  }
}

/** The file's size and last write time, or null when it does not exist. */
export async function fileState(file: string): Promise<{ size: number; mtime: Date } | null> {
  try {
    const s = await stat(file);
    return { size: s.size, mtime: s.mtime };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
