import { hostname } from 'node:os';
import type { EventStore, GroupWriter } from '@tally/storage';
import type { Redis } from 'ioredis';
import type { AlertLog } from '../alerts/deferred-log.js';
import type { RedisHandle } from '../context.js';
import { closeRedis, connectRedis } from './redis-client.js';
import { StreamWorker, type WorkerOptions } from './stream-worker.js';

export interface PoolOptions extends Partial<Omit<WorkerOptions, 'consumer'>> {
  /** The consumer name (with `-1`, `-2`, … when several run); host name and pid by default. */
  consumer?: string;
  /** Consumers run side by side in this process, sharing its writer (and so its transactions). */
  concurrency?: number;
}

/** The default consumer name: unique per process on a host, and telling which host held a message. */
export function defaultConsumer(): string {
  return `${hostname()}-${process.pid}`;
}

/**
 * The ingest workers of one process (`tally worker`, or `tally serve --worker`): each consumer reads with its own
 * blocking connection; commands share one more.
 */
export class WorkerPool {
  private constructor(
    readonly workers: readonly StreamWorker[],
    private readonly connections: readonly Redis[],
  ) {}

  static start(
    redis: RedisHandle,
    ctx: { writer: Pick<GroupWriter, 'write'>; store: Pick<EventStore, 'ping'> },
    log: AlertLog,
    options: PoolOptions = {},
  ): WorkerPool {
    const base = options.consumer ?? defaultConsumer();
    const concurrency = options.concurrency ?? 1;
    const commands = connectRedis(redis.config, { blocking: true });
    const connections: Redis[] = [commands];
    const workers: StreamWorker[] = [];
    for (let i = 1; i <= concurrency; i++) {
      const blocking = connectRedis(redis.config, { blocking: true });
      connections.push(blocking);
      const worker = new StreamWorker(
        { redis: commands, blocking, keys: redis.keys, writer: ctx.writer, store: ctx.store, log },
        {
          batch: redis.config.workerBatch,
          claimIdleMs: redis.config.claimIdleMs,
          maxDeliveries: redis.config.maxDeliveries,
          ...options,
          consumer: concurrency === 1 ? base : `${base}-${i}`,
        },
      );
      worker.start();
      workers.push(worker);
    }
    return new WorkerPool(workers, connections);
  }

  /** Lets each worker finish and acknowledge its batch in hand, then closes their connections. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await Promise.all(this.connections.map((c) => closeRedis(c)));
  }

  get stats(): { stored: number; claimed: number; deadLettered: number } {
    const sum = { stored: 0, claimed: 0, deadLettered: 0 };
    for (const w of this.workers) {
      sum.stored += w.stats.stored;
      sum.claimed += w.stats.claimed;
      sum.deadLettered += w.stats.deadLettered;
    }
    return sum;
  }
}
