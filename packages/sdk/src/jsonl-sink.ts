import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { archiveFile, fileState, needsRotation } from './rotation.js';
import type { RotationOptions } from './rotation.js';

/** What a sink has done since it was made. */
export interface SinkStats {
  /** Lines on disk. */
  written: number;
  /** Lines lost: unserializable, over the queue limit, or in a failed write. */
  dropped: number;
  /** Failures (serialization, open, write); each is also passed to `onError`. */
  errors: number;
}

export interface JsonlSinkOptions {
  path: string;
  maxQueue: number;
  onError?: ((err: unknown) => void) | undefined;
  /** Archive and gzip the file by size or month; off when absent. Assumes one writing process per file. */
  rotation?: RotationOptions | undefined;
}

/**
 * Appends JSON lines to one file through one serialized queue: lines queued while a write is in flight go out
 * together in the next single append, so writers in one process never interleave. Never throws to its caller;
 * failures are counted in `stats()` and handed to `onError`.
 *
 * @example const sink = new JsonlSink({ path: '/tmp/calls.jsonl', maxQueue: 10_000 });
 *   sink.append({ id: '1', timestamp: new Date().toISOString() }); await sink.close();
 */
export class JsonlSink {
  /** Lines appended here carry the SDK's cost estimate. */
  readonly estimatesCost = true;
  readonly path: string;
  readonly #maxQueue: number;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #rotation: RotationOptions | undefined;
  #pending: string[] = [];
  #draining: Promise<void> | null = null;
  #handle: FileHandle | null = null;
  #stats: SinkStats = { written: 0, dropped: 0, errors: 0 };

  constructor(options: JsonlSinkOptions) {
    this.path = options.path;
    this.#maxQueue = options.maxQueue;
    this.#onError = options.onError;
    this.#rotation = options.rotation;
  }

  /** Queues one record; returns at once. */
  append(record: unknown): void {
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (err) {
      // A circular or BigInt value in host-supplied metadata: lose this line, not the host's call.
      this.#fail(new Error(`Tally SDK: cannot serialize a call record: ${String(err)}`, { cause: err }), 1);
      return;
    }
    if (this.#pending.length >= this.#maxQueue) {
      this.#stats.dropped++;
      return;
    }
    this.#pending.push(line);
    this.#draining ??= this.#drain();
  }

  /** Resolves when every line queued so far is on disk (or counted as dropped). */
  flush(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  /** Flushes, then closes the file. */
  async close(): Promise<void> {
    await this.flush();
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close().catch((err: unknown) => this.#fail(err, 0));
  }

  stats(): SinkStats {
    return { ...this.#stats };
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      const lines = batch.length;
      // One string, one buffer, one write for the whole batch; the empty last item ends the last line.
      batch.push('');
      const data = batch.join('\n');
      if (this.#rotation) await this.#rotate(this.#rotation, Buffer.byteLength(data));
      try {
        this.#handle ??= await this.#open();
        await writeAll(this.#handle, Buffer.from(data));
        this.#stats.written += lines;
      } catch (err) {
        const handle = this.#handle;
        this.#handle = null; // reopen on the next batch: the directory may come back
        await handle?.close().catch(() => undefined);
        this.#fail(new Error(`Tally SDK: cannot append to ${this.path}: ${String(err)}`, { cause: err }), lines);
      }
    }
    this.#draining = null;
  }

  /** A failed rotation is reported and writing goes on into the current file: no line is lost to it. */
  async #rotate(rotation: RotationOptions, incoming: number): Promise<void> {
    try {
      const state = await fileState(this.path);
      if (!state || !needsRotation(rotation, state.size, state.mtime, incoming, new Date())) return;
      const handle = this.#handle;
      this.#handle = null;
      await handle?.close();
      await archiveFile(this.path, state.mtime);
    } catch (err) {
      this.#fail(new Error(`Tally SDK: cannot rotate ${this.path}: ${String(err)}`, { cause: err }), 0);
    }
  }

  async #open(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    return open(this.path, 'a');
  }

  #fail(err: unknown, lost: number): void {
    this.#stats.errors++;
    this.#stats.dropped += lost;
    try {
      this.#onError?.(err);
    } catch {
      // The host's error hook must not turn a lost line into a host failure.
    }
  }
}

/**
 * One write(2) per batch in the common case (the file is opened for appending, so each lands at the end): unlike
 * FileHandle.appendFile, which writes in 512 KiB pieces, a batch then takes a single trip through the thread pool,
 * so the queue drains as fast as a busy host fills it.
 */
async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length;) off += (await handle.write(data, off, data.length - off)).bytesWritten;
}
