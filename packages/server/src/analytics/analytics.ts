import type { Interval, QueryRow, QuerySpec } from '@tally/core';
import type { EventFilter, EventPage, EventStore } from '@tally/storage';
import type { SharedAnswers } from '../cache/shared-answers.js';

interface Entry {
  at: number;
  value: Promise<unknown>;
  /** Rows the answer holds, once known: the cache is bounded by rows, not only by entries. */
  rows: number;
}

/** Rows in an answer: a list of rows, or a page of events. */
function rowsOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  const events = (value as { events?: unknown[] } | null)?.events;
  return Array.isArray(events) ? events.length : 1;
}

/**
 * The one way routes ask analytics questions. Identical questions within `ttlMs` are answered from memory; a
 * write, a delete or a retention sweep in a project drops that project's answers, so a client that reads after its
 * write acknowledged always sees it. An answer computed while a write landed is not kept.
 *
 * With several replicas (TALLY_REDIS_URL) the answers live in Redis instead (`useShared`), and the drop is a
 * generation counter there, so that every replica sees data committed by any process.
 */
export class Analytics {
  private readonly cache = new Map<string, Entry>();
  private readonly generation = new Map<string, number>();
  private rows = 0;
  private shared: SharedAnswers | null = null;
  /** Shared mode: identical questions asked at once in this process, computed once. */
  private readonly computing = new Map<string, Promise<unknown>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly store: EventStore,
    private readonly ttlMs: number,
    private readonly maxEntries = 2000,
    private readonly maxRows = 200_000,
    private readonly now: () => number = Date.now,
  ) {}

  query(spec: QuerySpec): Promise<QueryRow[]> {
    return this.cached(spec.projectId, `q:${JSON.stringify(spec)}`, () => this.store.query(spec));
  }

  /** Bucket starts for gap filling; they depend only on the arguments, so any project may share them. */
  buckets(from: number, to: number, interval: Interval, tz: string): Promise<number[]> {
    return this.cached('', `b:${from}:${to}:${interval}:${tz}`, () => this.store.buckets(from, to, interval, tz));
  }

  events(filter: EventFilter): Promise<EventPage> {
    return this.cached(filter.projectId, `e:${JSON.stringify(filter)}`, () => this.store.events(filter));
  }

  /** Keeps answers in Redis, shared by every replica, instead of in this process's memory. */
  useShared(shared: SharedAnswers): void {
    this.shared = shared;
  }

  /**
   * Forgets every answer about a project; called after its data changed. In shared mode the returned promise
   * resolves once every replica will recompute; if Redis cannot be told, answers age out within the TTL.
   */
  invalidate(projectId: string): Promise<void> {
    this.generation.set(projectId, (this.generation.get(projectId) ?? 0) + 1);
    for (const key of this.cache.keys()) if (key.startsWith(`${projectId}\u0000`)) this.drop(key);
    return this.shared ? this.shared.invalidate(projectId).catch(() => undefined) : Promise.resolve();
  }

  private drop(key: string): void {
    const entry = this.cache.get(key);
    if (!entry) return;
    this.rows -= entry.rows;
    this.cache.delete(key);
  }

  /** Drops the oldest answers until the cache is within its entry and row bounds. */
  private trim(): void {
    for (const key of this.cache.keys()) {
      if (this.cache.size <= this.maxEntries && this.rows <= this.maxRows) break;
      this.drop(key);
    }
  }

  private cached<T>(projectId: string, question: string, run: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return run();
    if (this.shared) return this.sharedCached(this.shared, projectId, question, run);
    const key = `${projectId}\u0000${question}`;
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) {
      this.hits++;
      return hit.value as Promise<T>;
    }
    this.misses++;
    const generation = this.generation.get(projectId) ?? 0;
    const value = run();
    this.drop(key);
    const entry: Entry = { at: now, value, rows: 0 };
    this.cache.set(key, entry);
    this.trim();
    value.then(
      (answer) => {
        if (this.cache.get(key) !== entry) return;
        // A write that landed while the query ran may be missing from the answer: do not keep it.
        if ((this.generation.get(projectId) ?? 0) !== generation) return this.drop(key);
        entry.rows = rowsOf(answer);
        this.rows += entry.rows;
        this.trim();
      },
      () => {
        if (this.cache.get(key) === entry) this.drop(key);
      },
    );
    return value;
  }

  /**
   * The shared cache: the answer kept in Redis under the project's current generation, else computed and kept there.
   * The generation is read before the query runs, so an answer that may miss a commit lands under a generation no
   * one asks for any more. When Redis does not answer, the store does.
   */
  private async sharedCached<T>(
    shared: SharedAnswers,
    projectId: string,
    question: string,
    run: () => Promise<T>,
  ): Promise<T> {
    let key: string | null = null;
    try {
      key = await shared.keyFor(projectId, question);
      const hit = await shared.get(key);
      if (hit !== undefined) {
        this.hits++;
        return hit as T;
      }
    } catch {
      if (key === null) return run();
    }
    this.misses++;
    const same = this.computing.get(key) as Promise<T> | undefined;
    if (same) return same;
    const value = run();
    this.computing.set(key, value);
    try {
      const answer = await value;
      if (rowsOf(answer) <= this.maxRows) await shared.set(key, answer, this.ttlMs).catch(() => undefined);
      return answer;
    } finally {
      this.computing.delete(key);
    }
  }
}
