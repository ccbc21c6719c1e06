import type { DeliveryState, EventStore, NotificationRecord } from '@tally/storage';
import type { AlertLog } from './deferred-log.js';
import { iso, newId } from './field-checks.js';
import { postSigned } from './webhook-post.js';

export type NotificationEvent = 'budget.threshold' | 'alert.firing' | 'alert.resolved';

/** Something worth telling a project's webhooks, once. */
export interface Announcement {
  projectId: string;
  source: 'budget' | 'alert';
  sourceId: string;
  event: NotificationEvent;
  /** A second announcement with the same key is dropped, across restarts too. */
  dedupeKey: string;
  /** The event's own fields, sent in the body beside id, event, project_id and created_at. */
  data: Record<string, unknown>;
}

export interface NotifierOptions {
  /** Tries per webhook before a delivery is `failed`; 5 unless a test wants fewer. */
  maxAttempts?: number;
  /** Wait before the second try; each later wait doubles it (1, 2, 4, 8 s by default). */
  retryBaseMs?: number;
  /** How long one try waits for an answer. */
  timeoutMs?: number;
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/**
 * Sends budget and alert notifications to the project's enabled webhooks: each one stored first (so it is sent
 * once, however many evaluations find the same crossing), then POSTed signed, retried with exponential backoff,
 * its delivery state saved after every try so the API shows it and a restart resumes what was pending.
 */
export class Notifier {
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Saves of one notification's deliveries, one after another. */
  private readonly saves = new Map<string, Promise<void>>();
  private readonly stop = new AbortController();
  private closed = false;
  /** Told every try's outcome (the Prometheus counter). */
  onOutcome: (outcome: DeliveryOutcome) => void = () => undefined;

  constructor(
    private readonly store: EventStore,
    private readonly version: string,
    private readonly log: AlertLog,
    options: NotifierOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Stores and sends an announcement; null when one with its dedupe key was made before. */
  async announce(a: Announcement): Promise<NotificationRecord | null> {
    if (this.closed) return null;
    const now = Date.now();
    const hooks = (await this.store.listWebhooks(a.projectId)).filter((w) => w.enabled);
    const id = newId('ntf');
    const n: NotificationRecord = {
      id,
      project_id: a.projectId,
      source: a.source,
      source_id: a.sourceId,
      event: a.event,
      dedupe_key: a.dedupeKey,
      payload: { id, event: a.event, project_id: a.projectId, created_at: iso(now), ...a.data },
      created_at: now,
      deliveries: hooks.map((w) => ({
        webhook_id: w.id,
        url: w.url,
        status: 'pending',
        attempts: 0,
        last_attempt_at: null,
        next_attempt_at: now,
        response_status: null,
        error: null,
        delivered_at: null,
      })),
    };
    if (!(await this.store.addNotification(n))) return null;
    this.log.info(
      { project_id: a.projectId, event: a.event, source_id: a.sourceId, webhooks: hooks.length },
      `${a.event}: ${a.source} ${a.sourceId} in project ${a.projectId}, sent to ${hooks.length} webhook(s)`,
    );
    for (const d of n.deliveries) this.schedule(n, d, 0);
    return n;
  }

  /** Picks up the deliveries an earlier run left pending; returns how many. */
  async resume(): Promise<number> {
    let count = 0;
    const now = Date.now();
    for (const n of await this.store.listNotifications({ pendingOnly: true, limit: 10_000 })) {
      for (const d of n.deliveries) {
        if (d.status !== 'pending') continue;
        this.schedule(n, d, Math.max(0, (d.next_attempt_at ?? now) - now));
        count++;
      }
    }
    return count;
  }

  /** Resolves when no try is running or waiting for its time (every delivery delivered or failed). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.timers.size > 0) {
      if (this.running.size > 0) await Promise.allSettled([...this.running]);
      else await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.allSettled([...this.saves.values()]);
  }

  /** Cancels the tries not yet started and waits for those under way (cut short); pending ones resume next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await Promise.allSettled([...this.saves.values()]);
  }

  private schedule(n: NotificationRecord, d: DeliveryState, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.attempt(n, d).catch((err: unknown) =>
        this.log.error({ err, notification_id: n.id }, `webhook delivery of ${n.id} failed unexpectedly`),
      );
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(n: NotificationRecord, d: DeliveryState): Promise<void> {
    const hook = (await this.store.listWebhooks(n.project_id)).find((w) => w.id === d.webhook_id);
    if (!hook || !hook.enabled) {
      Object.assign(d, { status: 'failed', next_attempt_at: null, error: 'the webhook was deleted or disabled' });
      return this.save(n);
    }
    const sentAt = Date.now();
    const attempt = d.attempts + 1;
    const body = JSON.stringify({ ...n.payload, delivery: { attempt, sent_at: iso(sentAt) } });
    const r = await postSigned({
      url: hook.url,
      secret: hook.secret,
      body,
      timestamp: Math.floor(sentAt / 1000),
      event: n.event,
      deliveryId: n.id,
      userAgent: `Tally/${this.version}`,
      timeoutMs: this.timeoutMs,
      stop: this.stop.signal,
    });
    // A try cut short by shutdown does not count; the delivery stays pending for the next start.
    if (r.aborted) return;
    Object.assign(d, {
      url: hook.url,
      attempts: attempt,
      last_attempt_at: sentAt,
      response_status: r.status,
      error: r.error,
    });
    if (r.ok) {
      Object.assign(d, { status: 'delivered', delivered_at: Date.now(), next_attempt_at: null });
      this.onOutcome('delivered');
    } else if (attempt >= this.maxAttempts) {
      Object.assign(d, { status: 'failed', next_attempt_at: null });
      this.onOutcome('failed');
      this.log.warn(
        { notification_id: n.id, webhook_id: hook.id, attempts: attempt, error: r.error },
        `webhook ${hook.id} did not take notification ${n.id} after ${attempt} tries: ${r.error}`,
      );
    } else {
      const wait = this.retryBaseMs * 2 ** (attempt - 1);
      d.next_attempt_at = Date.now() + wait;
      this.onOutcome('retry');
      this.schedule(n, d, wait);
    }
    await this.save(n);
  }

  private save(n: NotificationRecord): Promise<void> {
    const previous = this.saves.get(n.id) ?? Promise.resolve();
    const next = previous
      .then(() => this.store.updateDeliveries(n.id, n.deliveries))
      .catch((err: unknown) =>
        this.log.error({ err, notification_id: n.id }, `saving the deliveries of ${n.id} failed`),
      );
    this.saves.set(n.id, next);
    void next.finally(() => {
      if (this.saves.get(n.id) === next) this.saves.delete(n.id);
    });
    return next;
  }
}
