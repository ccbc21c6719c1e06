import type { CallEvent } from '@tally/core';
import type { EventStore, WriteBatch, WriteResult } from './event-store.js';

/** What one committed transaction stored, for listeners that count (metrics, budgets). */
export interface CommitInfo {
  /** The calls the transaction stored; calls that were stored already are left out. */
  calls: readonly CallEvent[];
  /** Records the transaction was given (calls, logs, metric points and runs), duplicates included. */
  records: number;
  /** How long the store took to commit it, in ms. */
  durationMs: number;
}

export type CommitListener = (projectIds: ReadonlySet<string>, info: CommitInfo) => void;

interface Pending {
  batch: WriteBatch;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: requests that arrive while transactions are being committed wait for the next one, and all of
 * them share it. Under load this turns many small HTTP requests into few large transactions; at rest a lone
 * request is written at once. Two groups may be in flight, so one is being serialized while the store commits the
 * other. Each caller's promise resolves only after the transaction holding its records committed — the server
 * sends its 2xx then, never earlier.
 */
export class GroupWriter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private closed = false;
  private drained: (() => void)[] = [];
  private readonly committed: CommitListener[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly maxRecords = 50_000,
    private readonly maxInFlight = 2,
  ) {}

  /** Records queued and not yet committed. */
  get pending(): number {
    return this.queue.reduce((n, p) => n + size(p.batch), 0);
  }

  write(batch: WriteBatch): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('the writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.pump();
    });
  }

  /**
   * Calls `listener` with the projects a transaction wrote to and what it stored, after it committed and before
   * any of its callers is answered — so caches dropped here never serve a reader who already has the write's
   * acknowledgement. A listener that throws does not fail the write. Returns the function that removes the
   * listener again (a live stream that ends), after which it is called no more, not even for a transaction
   * committing at that moment.
   */
  onCommit(listener: CommitListener): () => void {
    // Wrapped, so that the same function added twice is removed once per unsubscribe.
    const entry: CommitListener = (projectIds, info) => listener(projectIds, info);
    this.committed.push(entry);
    return () => {
      const at = this.committed.indexOf(entry);
      if (at >= 0) this.committed.splice(at, 1);
    };
  }

  /** Waits for everything queued so far, then refuses new writes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.take();
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const done of this.drained.splice(0)) done();
      });
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    const merged: WriteBatch = {
      calls: group.flatMap((p) => p.batch.calls ?? []),
      logs: group.flatMap((p) => p.batch.logs ?? []),
      metrics: group.flatMap((p) => p.batch.metrics ?? []),
      runs: group.flatMap((p) => p.batch.runs ?? []),
    };
    try {
      const started = performance.now();
      const result = await this.store.write(merged);
      if (this.committed.length > 0) {
        const durationMs = performance.now() - started;
        const projects = new Set<string>();
        for (const list of [merged.calls, merged.logs, merged.metrics, merged.runs])
          for (const r of list ?? []) projects.add(r.project_id);
        const calls = merged.calls ?? [];
        const duplicate = new Set(result.duplicateCalls);
        const info: CommitInfo = {
          calls: duplicate.size === 0 ? calls : calls.filter((_, i) => !duplicate.has(i)),
          records: size(merged),
          durationMs,
        };
        // A copy: a listener may remove itself (or another) while the commit is being announced.
        for (const listener of [...this.committed]) {
          if (!this.committed.includes(listener)) continue;
          // The records are committed: a failing listener must not turn the callers' acknowledgement into an error.
          try {
            listener(projects, info);
          } catch {
            // listeners report their own failures
          }
        }
      }
      // Calls are told apart one by one (a copy in an earlier request of the group counts as stored before);
      // for logs, metrics and runs each request is told what it sent.
      const duplicates = callsByRequest(group, result.duplicateCalls);
      group.forEach((p, i) => {
        const sent = p.batch.calls?.length ?? 0;
        p.resolve({
          calls: sent - duplicates[i]!.length,
          logs: p.batch.logs?.length ?? 0,
          metrics: p.batch.metrics?.length ?? 0,
          runs: p.batch.runs?.length ?? 0,
          duplicateCalls: duplicates[i]!,
        });
      });
    } catch (e) {
      for (const p of group) p.reject(e);
    }
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
  return (b.calls?.length ?? 0) + (b.logs?.length ?? 0) + (b.metrics?.length ?? 0) + (b.runs?.length ?? 0);
}

/** Splits positions in the merged calls of a group into positions in each request's own calls. */
function callsByRequest(group: readonly Pending[], positions: readonly number[]): number[][] {
  const out: number[][] = group.map(() => []);
  let request = 0;
  let start = 0;
  for (const pos of [...positions].sort((a, b) => a - b)) {
    while (request < group.length && pos >= start + (group[request]!.batch.calls?.length ?? 0)) {
      start += group[request]!.batch.calls?.length ?? 0;
      request++;
    }
    out[request]?.push(pos - start);
  }
  return out;
}
