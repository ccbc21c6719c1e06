import { readFileSync } from 'node:fs';
import { GroupWriter, createStore, storeFacts } from '@tally/storage';
import { Analytics } from './analytics/analytics.js';
import { AlertService } from './alerts/alert-service.js';
import { DeferredLog } from './alerts/deferred-log.js';
import { Notifier, type NotifierOptions } from './alerts/notifier.js';
import { WebhookService } from './alerts/webhook-service.js';
import { AuthService } from './auth/auth-service.js';
import { BudgetService } from './budgets/budget-service.js';
import { LocalBudgetTracker, type BudgetTracker, type TrackerOptions } from './budgets/budget-tracker.js';
import { RedisBudgetTracker } from './budgets/redis-budget-tracker.js';
import { SharedAnswers } from './cache/shared-answers.js';
import { ConfigError, type TallyConfig } from './config.js';
import type { RedisHandle, TallyContext } from './context.js';
import { LiveHub, type LiveHubOptions } from './live/live-hub.js';
import { ProjectService } from './projects/project-service.js';
import { SharedRefresh } from './projects/shared-refresh.js';
import { LiveChannel } from './queue/live-channel.js';
import type { RecordSink } from './queue/record-sink.js';
import { RedisKeys, closeRedis, connectRedis } from './queue/redis-client.js';
import { StreamSink } from './queue/stream-sink.js';

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
  const redis = await openRedis(config);
  const store = createStore(config.store, { memoryLimit: config.duckdbMemoryLimit, poolSize: config.pgPoolSize });
  try {
    await store.init();
    const auth = new AuthService(store);
    const generatedAdminToken = await auth.init(config.adminToken);
    const projects = new ProjectService(store, auth, config.capturePolicy);
    await projects.init();
    const writer = new GroupWriter(store);
    const analytics = new Analytics(store, config.queryCacheSeconds * 1000);
    if (redis) analytics.useShared(new SharedAnswers(redis.client, redis.keys));
    // With Redis this moves the project's generation on for every replica; the budgets' commit listener below
    // uses the same connection, so a budget load that reads the cache after its count moved sees the new answer.
    writer.onCommit((projectIds) => {
      for (const p of projectIds) void analytics.invalidate(p);
    });
    const alertLog = new DeferredLog();
    // Loaded here rather than with this module: CLI commands that never open a store do not pay for prom-client.
    const { TallyMetrics } = await import('./metrics/prometheus-metrics.js');
    const metrics = new TallyMetrics(writer);
    const notifier = new Notifier(store, VERSION, alertLog, options.notifier);
    notifier.onOutcome = (outcome) => metrics.deliveries.inc({ outcome });
    const budgets = new BudgetService(store, projects);
    await budgets.init();
    const budgetTracker: BudgetTracker = redis
      ? new RedisBudgetTracker(redis.client, redis.keys, budgets, analytics, notifier, alertLog, {
          // A request's reservation outlives the longest upstream answer before a dead replica's is dropped.
          reservationMs: config.upstreamTimeoutMs + 60_000,
          ...options.tracker,
        })
      : new LocalBudgetTracker(budgets, analytics, notifier, alertLog, options.tracker);
    budgetTracker.onRefusal = (b) => metrics.refusals.inc({ project: b.project_id, budget: b.id });
    // After the analytics listener: a budget read again from here on sees this commit.
    writer.onCommit((_projects, info) => budgetTracker.committed(info));
    // With Redis, what this process commits (a worker's batches) is published to every replica's live streams right
    // after the store commit rather than after XACK: the writer announces each transaction once, in commit order,
    // with only the calls it stored, so a message stored again after a worker crashed announces nothing twice.
    // After the analytics listener, whose INCR goes first on the same connection: a replica that hears of a call and
    // asks again sees it.
    const channel = redis ? new LiveChannel(redis) : null;
    if (channel) writer.onCommit((_projects, info) => channel.publish(info.calls));
    // Its listener comes after the analytics cache's, while a live stream is open.
    const live = new LiveHub(writer, options.live, channel);
    let sink: RecordSink = { storesAtOnce: true, write: (batch) => writer.write(batch) };
    if (redis) {
      const queue = new StreamSink(redis.client, redis.keys);
      await queue.init();
      sink = queue;
    }
    const ctx: TallyContext = {
      config,
      store,
      writer,
      sink,
      redis,
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
    // Other processes on the store change keys, projects and prices too: read them again now and then to see theirs.
    const refresh =
      !storeFacts(config.store).singleProcess && config.sharedRefreshSeconds > 0
        ? SharedRefresh.start({ auth, projects, log: alertLog }, config.sharedRefreshSeconds * 1000)
        : null;
    return {
      ctx,
      generatedAdminToken,
      async close() {
        await refresh?.stop();
        live.close();
        await notifier.close();
        await writer.close();
        await channel?.close();
        await store.close();
        if (redis) await closeRedis(redis.client);
      },
    };
  } catch (e) {
    await store.close().catch(() => undefined);
    if (redis) await closeRedis(redis.client);
    throw e;
  }
}

/** Connects to TALLY_REDIS_URL when it is set, and checks that Redis answers; the error never shows the password. */
async function openRedis(config: TallyConfig): Promise<RedisHandle | null> {
  if (!config.redis) return null;
  const client = connectRedis(config.redis);
  try {
    await client.ping();
  } catch (e) {
    client.disconnect();
    throw new ConfigError(
      `cannot reach Redis at ${config.redis.shown} (TALLY_REDIS_URL): ${(e as Error).message}. Start Redis, or ` +
        'unset TALLY_REDIS_URL to run in one process without it',
      { cause: e },
    );
  }
  return { client, keys: new RedisKeys(config.redis.prefix), config: config.redis };
}
