import { Redis } from 'ioredis';
import type { RedisConfig } from '../config.js';

/** The names of Tally's Redis keys, all under TALLY_REDIS_PREFIX so that one Redis can serve several installations. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The ingest stream API replicas append accepted records to. */
  get stream(): string {
    return `${this.prefix}ingest`;
  }

  /** Messages given up on (undecodable, or refused by the store), with the reason. */
  get dead(): string {
    return `${this.prefix}ingest:dead`;
  }

  /** The pub/sub channel committed calls are published on, for the live streams of every replica. */
  get live(): string {
    return `${this.prefix}live`;
  }

  /** The consumer group every `tally worker` reads the stream in. */
  readonly group = 'workers';

  /** A project's data generation: moved on at every commit, part of every cached answer's key. */
  generation(projectId: string): string {
    return `${this.prefix}cache:gen:${projectId}`;
  }

  answer(projectId: string, generation: string, question: string): string {
    return `${this.prefix}cache:answer:${projectId}:${generation}:${question}`;
  }

  /**
   * A budget's counts, its reservations and its recently counted calls (one hash tag: one slot). `definition` names
   * what the budget counts (metric, period, scope): a budget changed to count something else starts new counts.
   */
  budget(budgetId: string, definition: string): { state: string; reservations: string; calls: string } {
    const base = `${this.prefix}budget:{${budgetId}}:${definition}`;
    return { state: base, reservations: `${base}:reservations`, calls: `${base}:calls` };
  }
}

export interface RedisOptions {
  /** Commands that wait on the server (a worker's blocking read) must not be failed by a short retry budget. */
  blocking?: boolean;
}

/**
 * A client for TALLY_REDIS_URL. A request fails after a few reconnection attempts instead of waiting for Redis to
 * come back: an ingest request is then answered 503 (retry later) rather than held open, and a worker retries.
 * Errors are the client's to report; the URL (and its password) is never part of them.
 */
export function connectRedis(config: RedisConfig, options: RedisOptions = {}): Redis {
  const client = new Redis(config.url, {
    maxRetriesPerRequest: options.blocking ? null : 2,
    connectionName: 'tally',
    // Reconnect quickly at first, then every 2 s at most, for as long as the process runs.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Without a listener, ioredis prints every failed reconnection to stderr; the callers report failed commands.
  client.on('error', () => undefined);
  return client;
}

/** Closes a client, waiting for replies to commands already sent; a client that cannot reach Redis is cut. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 2000).unref())]);
  } catch {
    client.disconnect();
  }
}
