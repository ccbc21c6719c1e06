import type { Interval, QueryRow, QuerySpec } from '@tally/core';
import type { EventFilter, EventPage, EventStore } from '@tally/storage';

interface Entry {
  at: number;
  value: Promise<unknown>;
}

/**
 * The one way routes ask analytics questions. Identical questions within `ttlMs` are answered from memory; a
 * write, a delete or a retention sweep in a project drops that project's answers, so a client that reads after its
 * write acknowledged always sees it. An answer computed while a write landed is not kept.
 */
export class Analytics {
  private readonly cache = new Map<string, Entry>();
  private readonly generation = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly store: EventStore,
    private readonly ttlMs: number,
    private readonly maxEntries = 2000,
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

  /** Forgets every answer about a project; called after its data changed. */
  invalidate(projectId: string): void {
    this.generation.set(projectId, (this.generation.get(projectId) ?? 0) + 1);
    for (const key of this.cache.keys()) if (key.startsWith(`${projectId}\u0000`)) this.cache.delete(key);
  }

  private cached<T>(projectId: string, question: string, run: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return run();
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
    this.cache.delete(key);
    this.cache.set(key, { at: now, value });
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    value.then(
      () => {
        // A write that landed while the query ran may be missing from the answer: do not keep it.
        if ((this.generation.get(projectId) ?? 0) !== generation && this.cache.get(key)?.value === value) {
          this.cache.delete(key);
        }
      },
      () => {
        if (this.cache.get(key)?.value === value) this.cache.delete(key);
      },
    );
    return value;
  }
}
