import { readFileSync } from 'node:fs';
import { GroupWriter, createStore } from '@tally/storage';
import { Analytics } from './analytics/analytics.js';
import { AlertService } from './alerts/alert-service.js';
import { DeferredLog } from './alerts/deferred-log.js';
import { Notifier, type NotifierOptions } from './alerts/notifier.js';
import { WebhookService } from './alerts/webhook-service.js';
import { AuthService } from './auth/auth-service.js';
import { BudgetService } from './budgets/budget-service.js';
import { BudgetTracker, type TrackerOptions } from './budgets/budget-tracker.js';
import type { TallyConfig } from './config.js';
import type { TallyContext } from './context.js';
import { LiveHub, type LiveHubOptions } from './live/live-hub.js';
import { ProjectService } from './projects/project-service.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface OpenTally {
  ctx: TallyContext;
  /** The admin token generated at this start (first start only), to be shown once. */
  generatedAdminToken: string | null;
  /** Flushes queued writes and closes the store. */
  close(): Promise<void>;
}

/** Tuning that tests shorten; the server uses the defaults. */
export interface OpenOptions {
  notifier?: NotifierOptions;
  tracker?: TrackerOptions;
  /** How many live streams the server holds at once. */
  live?: LiveHubOptions;
}

/** Opens the store and the services on it. Used by `tally serve` and by CLI commands that run without a server. */
export async function openTally(config: TallyConfig, options: OpenOptions = {}): Promise<OpenTally> {
  const store = createStore(config.store, { memoryLimit: config.duckdbMemoryLimit });
  await store.init();
  try {
    const auth = new AuthService(store);
    const generatedAdminToken = await auth.init(config.adminToken);
    const projects = new ProjectService(store, auth, config.capturePolicy);
    await projects.init();
    const writer = new GroupWriter(store);
    const analytics = new Analytics(store, config.queryCacheSeconds * 1000);
    writer.onCommit((projectIds) => {
      for (const p of projectIds) analytics.invalidate(p);
    });
    const alertLog = new DeferredLog();
    // Loaded here rather than with this module: CLI commands that never open a store do not pay for prom-client.
    const { TallyMetrics } = await import('./metrics/prometheus-metrics.js');
    const metrics = new TallyMetrics(writer);
    const notifier = new Notifier(store, VERSION, alertLog, options.notifier);
    notifier.onOutcome = (outcome) => metrics.deliveries.inc({ outcome });
    const budgets = new BudgetService(store, projects);
    await budgets.init();
    const budgetTracker = new BudgetTracker(budgets, analytics, notifier, alertLog, options.tracker);
    budgetTracker.onRefusal = (b) => metrics.refusals.inc({ project: b.project_id, budget: b.id });
    // After the analytics listener: a budget read again from here on sees this commit.
    writer.onCommit((_projects, info) => budgetTracker.committed(info));
    // Its listener comes after the analytics cache's, while a live stream is open.
    const live = new LiveHub(writer, options.live);
    const ctx: TallyContext = {
      config,
      store,
      writer,
      analytics,
      auth,
      projects,
      budgetGate: budgetTracker,
      budgets,
      budgetTracker,
      alerts: new AlertService(store, projects, analytics, notifier, alertLog),
      webhooks: new WebhookService(store, projects),
      notifier,
      live,
      metrics,
      alertLog,
      version: VERSION,
      startedAt: Date.now(),
    };
    return {
      ctx,
      generatedAdminToken,
      async close() {
        live.close();
        await notifier.close();
        await writer.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}
