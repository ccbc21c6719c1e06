import type { EventStore, GroupWriter } from '@tally/storage';
import type { Redis } from 'ioredis';
import type { Analytics } from './analytics/analytics.js';
import type { AlertService } from './alerts/alert-service.js';
import type { DeferredLog } from './alerts/deferred-log.js';
import type { Notifier } from './alerts/notifier.js';
import type { WebhookService } from './alerts/webhook-service.js';
import type { AuthService } from './auth/auth-service.js';
import type { BudgetGate } from './budgets/budget-gate.js';
import type { BudgetService } from './budgets/budget-service.js';
import type { BudgetTracker } from './budgets/budget-tracker.js';
import type { RedisConfig, TallyConfig } from './config.js';
import type { LiveHub } from './live/live-hub.js';
import type { TallyMetrics } from './metrics/prometheus-metrics.js';
import type { ProjectService } from './projects/project-service.js';
import type { RecordSink } from './queue/record-sink.js';
import type { RedisKeys } from './queue/redis-client.js';

/** The shared Redis of a scaled-out installation (TALLY_REDIS_URL). */
export interface RedisHandle {
  readonly client: Redis;
  readonly keys: RedisKeys;
  readonly config: RedisConfig;
}

/** Everything a route may use, built once at start-up by `openTally` and closed by it on shutdown. */
export interface TallyContext {
  readonly config: TallyConfig;
  readonly store: EventStore;
  /** Commits records to the store; its commit listeners move the caches, budgets, metrics and live streams on. */
  readonly writer: GroupWriter;
  /**
   * Where the ingest paths hand accepted records: the writer, or with Redis the ingest stream that `tally worker`
   * processes write to the store through their own writer. Call sites never tell the two apart.
   */
  readonly sink: RecordSink;
  /** Set when TALLY_REDIS_URL is: the client the shared cache, budget counts and the queue use. */
  readonly redis: RedisHandle | null;
  /** Analytics questions, cached; the only way routes read aggregates. */
  readonly analytics: Analytics;
  readonly auth: AuthService;
  readonly projects: ProjectService;
  /** Hard budgets, asked by the proxy before it forwards a request (the tracker below). */
  readonly budgetGate: BudgetGate;
  readonly budgets: BudgetService;
  /** Budget usage counts: the gate, the API's `used`, threshold announcements. */
  readonly budgetTracker: BudgetTracker;
  readonly alerts: AlertService;
  readonly webhooks: WebhookService;
  /** Sends budget and alert notifications to webhooks, signed, with retries. */
  readonly notifier: Notifier;
  /** Committed calls fanned out to the open live streams (/api/v1/live). */
  readonly live: LiveHub;
  /** Prometheus metrics served at /metrics. */
  readonly metrics: TallyMetrics;
  /** Where budgets, alerts and webhooks log; silent until `tally serve` points it at the server's logger. */
  readonly alertLog: DeferredLog;
  readonly version: string;
  readonly startedAt: number;
}
