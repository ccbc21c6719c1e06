import { callMatches, type CallEvent, type Filter } from '@tally/core';
import type { GroupWriter } from '@tally/storage';

/** One open live view: a project, its filters, and where matching calls go. */
export interface LiveSubscription {
  readonly projectId: string;
  readonly filters: readonly Filter[];
  /** Called with each committed call of the project that passes the filters, in commit order. Must not throw. */
  deliver(call: CallEvent): void;
}

/** Calls committed by other processes (with Redis: the workers), heard only while a listener is attached. */
export interface RemoteCommits {
  /** Calls `listener` with each transaction's calls, in commit order; returns the function that stops it. */
  listen(listener: (calls: readonly CallEvent[]) => void): () => void;
}

export interface LiveHubOptions {
  /** Live views open at once on this server at most; the next is refused. */
  maxSubscribers?: number;
}

export const DEFAULT_MAX_LIVE_STREAMS = 100;

/**
 * Fans committed calls out to the open live views. However many views are open, the writer has one listener, and
 * only while at least one view is open; each call is offered to the views of its own project only.
 *
 * With a remote source (Redis), the calls other processes commit reach the views the same way and under the same
 * rule: the hub listens to it only while a view is open. The source leaves out what this process committed itself,
 * which its writer announced already.
 *
 * The listener is added after the analytics cache's: by the time a view hears of a call, a query asked because of
 * it already sees it.
 */
export class LiveHub {
  readonly maxSubscribers: number;
  private readonly byProject = new Map<string, Set<LiveSubscription>>();
  private count = 0;
  private detach: (() => void) | null = null;

  constructor(
    private readonly writer: GroupWriter,
    options: LiveHubOptions = {},
    private readonly remote: RemoteCommits | null = null,
  ) {
    this.maxSubscribers = options.maxSubscribers ?? DEFAULT_MAX_LIVE_STREAMS;
  }

  /** Live views open now. */
  get subscribers(): number {
    return this.count;
  }

  /**
   * Starts delivering matching calls; returns the function that stops it, or null when `maxSubscribers` views are
   * open already.
   */
  subscribe(subscription: LiveSubscription): (() => void) | null {
    if (this.count >= this.maxSubscribers) return null;
    let views = this.byProject.get(subscription.projectId);
    if (!views) this.byProject.set(subscription.projectId, (views = new Set()));
    views.add(subscription);
    this.count++;
    this.detach ??= this.listen();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.remove(subscription);
    };
  }

  /** Forgets every view and stops listening to the writer and the remote source (the server is closing). */
  close(): void {
    this.byProject.clear();
    this.count = 0;
    this.detach?.();
    this.detach = null;
  }

  private remove(subscription: LiveSubscription): void {
    const views = this.byProject.get(subscription.projectId);
    if (!views?.delete(subscription)) return;
    this.count--;
    if (views.size === 0) this.byProject.delete(subscription.projectId);
    if (this.count === 0) {
      this.detach?.();
      this.detach = null;
    }
  }

  private listen(): () => void {
    const local = this.writer.onCommit((projectIds, info) => this.committed(projectIds, info.calls));
    const remote = this.remote?.listen((calls) => this.deliver(calls));
    return () => {
      local();
      remote?.();
    };
  }

  private committed(projectIds: ReadonlySet<string>, calls: readonly CallEvent[]): void {
    let watched = false;
    for (const p of projectIds) if (this.byProject.has(p)) watched = true;
    if (watched) this.deliver(calls);
  }

  /** Offers each call to the views of its project; calls of projects nobody watches are passed over. */
  private deliver(calls: readonly CallEvent[]): void {
    for (const call of calls) {
      const views = this.byProject.get(call.project_id);
      if (!views) continue;
      // A view that ends while being delivered to is deleted from the set, which iteration allows.
      for (const view of views) {
        let matches = false;
        try {
          matches = callMatches(call, view.filters);
        } catch {
          // Filters come from filtersFromUrl, which only builds ones the matcher takes; a view never fails the rest.
        }
        if (matches) view.deliver(call);
      }
    }
  }
}
