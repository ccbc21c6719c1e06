import { storeFacts } from '@tally/storage';
import type { FastifyInstance } from 'fastify';
import { AlertEvaluator } from './alerts/alert-evaluator.js';
import { buildApp } from './app.js';
import { ConfigError, isLoopback, type TallyConfig } from './config.js';
import type { TallyContext } from './context.js';
import { RetentionJob, type RetentionOptions } from './lifecycle/retention-job.js';
import { WorkerPool, type PoolOptions } from './queue/worker-pool.js';
import { openTally, type OpenOptions } from './tally.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: TallyContext;
  url: string;
  /** The background sweep that enforces retention_days and max_events. */
  retention: RetentionJob;
  /** The periodic evaluation of budget thresholds and alert rules (every TALLY_ALERT_INTERVAL_SECONDS). */
  evaluator: AlertEvaluator;
  /** The ingest workers of `--worker` (TALLY_REDIS_URL); null otherwise. */
  workers: WorkerPool | null;
  /** Stops accepting connections, answers the requests in flight, flushes writes and closes the store. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Scheduling of the retention sweep (tests shorten it). */
  retention?: RetentionOptions;
  /** Delay before the first evaluation of budgets and alerts (tests run it themselves and set it far off). */
  alertsFirstRunMs?: number;
  /** Webhook retries and budget refreshes (tests shorten them). */
  open?: OpenOptions;
  /**
   * With TALLY_REDIS_URL: also run an ingest worker in this process (`tally serve --worker`), which is how one
   * machine with Redis stores what it queues. Options tune the worker (tests shorten its waits).
   */
  worker?: boolean | PoolOptions;
}

/**
 * Starts the HTTP server. In protected mode (shared/DESIGN.md §7) a server without API keys serves the default
 * project openly, so it may listen only on a loopback address.
 */
export async function startServer(
  config: TallyConfig,
  print: (line: string) => void = console.log,
  options: ServerOptions = {},
): Promise<RunningServer> {
  if (options.worker && !config.redis) {
    throw new ConfigError(
      '--worker writes the records queued in Redis to the store; set TALLY_REDIS_URL, or leave --worker out: ' +
        'without Redis the server stores records itself',
    );
  }
  const opened = await openTally(config, options.open);
  if (opened.ctx.auth.open && !isLoopback(config.host)) {
    await opened.close();
    throw new ConfigError(
      `Tally refuses to listen on ${config.host}: no API key exists, and without keys anyone who can reach the server ` +
        `could read and write your data. Create a key first, then start again:\n` +
        `  tally keys create --project default --scope read --data ${config.dataDir}\n` +
        `or listen on 127.0.0.1 only (--host 127.0.0.1).`,
    );
  }
  const app = await buildApp(opened.ctx);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await opened.close();
    throw new ConfigError(`cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`, { cause: e });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  print(`Tally ${opened.ctx.version} listening on ${url} (store: ${opened.ctx.store.kind} ${config.store.path})`);
  print(
    opened.ctx.auth.open
      ? 'Open mode: no API keys yet, so the default project is served without a key on this loopback address.'
      : `Protected mode: ${opened.ctx.auth.activeKeys} API key(s) active.`,
  );
  if (opened.generatedAdminToken) {
    print(
      `Admin token (shown once, stored only as a hash; keep it to manage projects and keys):\n  ${opened.generatedAdminToken}`,
    );
  }
  const redis = opened.ctx.redis;
  const workers =
    redis && options.worker
      ? WorkerPool.start(redis, opened.ctx, app.log, typeof options.worker === 'object' ? options.worker : {})
      : null;
  if (redis) {
    print(
      `Redis ${redis.config.shown}: accepted records are queued in ${redis.keys.stream}; ` +
        (workers ? 'a worker in this process stores them.' : 'run `tally worker` to store them.'),
    );
    // A single-process store (a DuckDB file): a `tally worker` elsewhere could not open it while this server holds it.
    if (!workers && storeFacts(config.store).singleProcess) {
      print(
        'Warning: the store is a DuckDB file, which no other process can write while this server runs: start the ' +
          'server with --worker, or use PostgreSQL (TALLY_STORE=postgres://…) for separate workers.',
      );
    }
  }
  const { store, projects, analytics } = opened.ctx;
  const retention = new RetentionJob(
    { store, projects, analytics, defaultDays: config.retentionDays, log: app.log },
    options.retention,
  );
  retention.start();
  opened.ctx.alertLog.use(app.log);
  const evaluator = new AlertEvaluator(
    { tracker: opened.ctx.budgetTracker, alerts: opened.ctx.alerts, log: app.log },
    { intervalMs: config.alertIntervalSeconds * 1000, firstRunMs: options.alertsFirstRunMs },
  );
  evaluator.start();
  // Deliveries an earlier run left pending (Tally stopped between two tries) go out again, in the background: the
  // server already listens, and the caller must be able to install its signal handlers at once.
  void opened.ctx.notifier
    .resume()
    .catch((e: unknown) => app.log.error(`resuming webhook deliveries failed: ${(e as Error).message}`));
  let stopping: Promise<void> | null = null;
  return {
    app,
    ctx: opened.ctx,
    url,
    retention,
    evaluator,
    workers,
    stop() {
      stopping ??= (async () => {
        // No sweep starts from now on; one in progress finishes before the store closes.
        const retentionDone = retention.stop();
        const evaluatorDone = evaluator.stop();
        // close() answers the requests in flight, but a keep-alive connection that turns idle after it was
        // called stays open until its timeout; close those as they turn idle.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
        await retentionDone;
        await evaluatorDone;
        // After the last request: whatever they queued is in the stream; the batch in hand is stored and acknowledged.
        await workers?.stop();
        await opened.close();
      })();
      return stopping;
    },
  };
}
