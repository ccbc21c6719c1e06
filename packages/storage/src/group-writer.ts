import type { EventStore, WriteBatch, WriteResult } from './event-store.js';

interface Pending {
  batch: WriteBatch;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: requests that arrive while a transaction is being committed wait for the next one, and all of
 * them share it. Under load this turns many small HTTP requests into few large transactions; at rest a lone
 * request is written at once. Each caller's promise resolves only after the transaction holding its records
 * committed — the server sends its 2xx then, never earlier.
 */
export class GroupWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly store: EventStore,
    private readonly maxRecords = 50_000,
  ) {}

  /** Records queued and not yet committed. */
  get pending(): number {
    return this.queue.reduce((n, p) => n + size(p.batch), 0);
  }

  write(batch: WriteBatch): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('the writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Waits for everything queued so far, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.take();
      const merged: WriteBatch = {
        calls: group.flatMap((p) => p.batch.calls ?? []),
        logs: group.flatMap((p) => p.batch.logs ?? []),
        metrics: group.flatMap((p) => p.batch.metrics ?? []),
      };
      try {
        await this.store.write(merged);
        // Per-request counts of new rows are not known inside a shared transaction; report what each request sent.
        for (const p of group) {
          p.resolve({
            calls: p.batch.calls?.length ?? 0,
            logs: p.batch.logs?.length ?? 0,
            metrics: p.batch.metrics?.length ?? 0,
          });
        }
      } catch (e) {
        for (const p of group) p.reject(e);
      }
    }
    this.running = null;
  }

  private take(): Pending[] {
    let n = 0;
    let i = 0;
    while (i < this.queue.length && (i === 0 || n + size(this.queue[i]!.batch) <= this.maxRecords)) {
      n += size(this.queue[i]!.batch);
      i++;
    }
    return this.queue.splice(0, i);
  }
}

function size(b: WriteBatch): number {
  return (b.calls?.length ?? 0) + (b.logs?.length ?? 0) + (b.metrics?.length ?? 0);
}
