import { Command, InvalidArgumentError } from 'commander';
import type { AlertLog } from '../alerts/deferred-log.js';
import { ConfigError, loadConfig } from '../config.js';
import { WorkerPool, defaultConsumer } from '../queue/worker-pool.js';
import { openTally } from '../tally.js';

interface WorkerFlags {
  data?: string;
  store?: string;
  consumer?: string;
  batch?: number;
  concurrency: number;
}

const HELP = `
A worker reads the records that API replicas queued in Redis (TALLY_REDIS_URL), writes them to the store in
batches and acknowledges each message only once the store committed it. Run as many as the store keeps up with:
they share the stream as one consumer group. Messages a worker left unacknowledged (it crashed, or was killed) are
taken over by another after TALLY_WORKER_CLAIM_IDLE_MS. A message the store keeps rejecting, or that cannot be
decoded, moves to the dead-letter stream <prefix>ingest:dead after TALLY_WORKER_MAX_DELIVERIES deliveries.
While a live stream (/api/v1/live) is open on any replica, a worker also publishes the calls it stores on
<prefix>live, one message per transaction, so that every replica's live streams show them.

SIGTERM or Ctrl-C: the batch in hand is written and acknowledged, then the worker exits 0.

Examples:
  TALLY_REDIS_URL=redis://redis:6379 TALLY_STORE=postgres://tally@db/tally tally worker
  tally worker --consumer worker-a --batch 1000 --concurrency 2`;

/** `tally worker`: the store-writing half of a scaled-out installation. */
export function workerCommand(env: Record<string, string | undefined>, print: (line: string) => void): Command {
  return new Command('worker')
    .description('Write the records queued in Redis by API replicas to the store (needs TALLY_REDIS_URL)')
    .option('--data <dir>', 'data directory (default $TALLY_DATA_DIR or ./data)')
    .option('--store <store>', 'event store (default $TALLY_STORE or <data>/tally.duckdb)')
    .option('--consumer <name>', 'consumer name in the group, unique per worker (default: <host name>-<pid>)')
    .option('--batch <n>', 'most messages written per batch (default $TALLY_WORKER_BATCH or 500)', whole('--batch'))
    .option('--concurrency <n>', 'consumers in this process, sharing its store connection', whole('--concurrency'), 1)
    .addHelpText('after', HELP)
    .action(async (flags: WorkerFlags) => {
      const config = loadConfig(env, { data: flags.data, store: flags.store });
      if (!config.redis) {
        throw new ConfigError(
          'tally worker writes what API replicas queue in Redis: set TALLY_REDIS_URL (e.g. redis://127.0.0.1:6379) ' +
            'to the Redis the replicas use. Without Redis, `tally serve` writes to the store itself.',
        );
      }
      const opened = await openTally(config);
      const consumer = flags.consumer ?? defaultConsumer();
      const pool = WorkerPool.start(opened.ctx.redis!, opened.ctx, consoleLog(print), {
        consumer,
        concurrency: flags.concurrency,
        ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
      });
      const r = config.redis;
      print(
        `Tally worker ${consumer}: ${r.shown} ${opened.ctx.redis!.keys.stream} → ${opened.ctx.store.kind} ` +
          `${config.store.path} (batch ${flags.batch ?? r.workerBatch}, ${flags.concurrency} consumer(s), ` +
          `takes over messages idle ${r.claimIdleMs} ms)`,
      );
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        print(`${signal} received: finishing the batch in hand…`);
        (async () => {
          await pool.stop();
          await opened.close();
          const s = pool.stats;
          print(
            `worker stopped: ${s.stored} message(s) stored, ${s.claimed} taken over, ${s.deadLettered} dead-lettered`,
          );
        })().then(
          () => process.exit(0),
          (e: unknown) => {
            console.error(`stopping the worker failed: ${(e as Error).message}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}

/** Worker events as lines: progress on stdout, problems on stderr. */
function consoleLog(print: (line: string) => void): AlertLog {
  return {
    info: (_fields, message) => print(message),
    warn: (_fields, message) => console.error(message),
    error: (_fields, message) => console.error(message),
  };
}

function whole(flag: string): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= 10_000)) throw new InvalidArgumentError(`${flag} must be a whole number from 1 to 10000`);
    return n;
  };
}
