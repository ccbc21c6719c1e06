import { randomUUID } from 'node:crypto';
import type { CallEvent } from '@tally/core';
import type { Redis } from 'ioredis';
import type { RedisHandle } from '../context.js';
import type { RemoteCommits } from '../live/live-hub.js';
import { decodeLiveCalls, encodeLiveCalls, liveOrigin } from './record-codec.js';
import { closeRedis, connectRedis } from './redis-client.js';

export interface LiveChannelOptions {
  /** How long "nobody listens" is believed before PUBSUB NUMSUB is asked again. */
  recheckMs?: number;
}

type Listener = (calls: readonly CallEvent[]) => void;

/**
 * Committed calls shared over Redis pub/sub (`<prefix>live`) between the processes of one installation, so that
 * the live streams of every API replica show what the workers commit.
 *
 * Publishing costs the committing process nothing while no live stream is open anywhere: it asks Redis whether
 * anybody listens (PUBSUB NUMSUB) at most once per `recheckMs`, and until somebody does it neither encodes nor
 * sends anything. While somebody listens, each committed transaction is one PUBLISH, whose reply (how many
 * received it) tells when the last listener left. A stream opened less than `recheckMs` after the last check may
 * therefore miss the calls committed in between.
 *
 * Listening takes a connection of its own (a subscribed connection can run no other command), held only while a
 * listener is attached: a replica with no live stream open neither subscribes nor receives.
 */
export class LiveChannel implements RemoteCommits {
  /** Marks this process's messages, which it skips: its own streams heard those calls from its writer. */
  readonly origin = randomUUID();
  private readonly recheckMs: number;
  private receivers = 0;
  private checkedAt = -Infinity;
  /** Publications run one after the other, in commit order, even while one waits for NUMSUB. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly listeners = new Set<Listener>();
  private subscriber: Redis | null = null;
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisHandle,
    options: LiveChannelOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 1000;
  }

  /**
   * Publishes the calls of one committed transaction, in the background: the caller (the writer's commit
   * listener) never waits for Redis, and a failure only costs the live streams these calls.
   */
  publish(calls: readonly CallEvent[]): void {
    if (calls.length === 0) return;
    // The common case without a dashboard open: nothing queued, nobody listening, and asked recently.
    if (this.queued === 0 && this.receivers === 0 && Date.now() - this.checkedAt < this.recheckMs) return;
    this.queued++;
    this.tail = this.tail
      .then(() => this.send(calls))
      .catch(() => {
        // Redis is unreachable: the calls are stored, only the live streams miss them. Ask again later.
        this.receivers = 0;
        this.checkedAt = Date.now();
      })
      .finally(() => this.queued--);
  }

  /** Calls `listener` with the calls other processes commit; subscribes while at least one listener is attached. */
  listen(listener: Listener): () => void {
    // Wrapped, so that the same function attached twice is detached once per call of the returned function.
    const entry: Listener = (calls) => listener(calls);
    this.listeners.add(entry);
    if (!this.subscriber) this.subscribe();
    return () => {
      if (this.listeners.delete(entry) && this.listeners.size === 0) this.unsubscribe();
    };
  }

  /** Detaches every listener and waits for the publications in hand (call it before the command client closes). */
  async close(): Promise<void> {
    this.listeners.clear();
    this.unsubscribe();
    await Promise.all([...this.closing, this.tail]);
  }

  private async send(calls: readonly CallEvent[]): Promise<void> {
    const { client, keys } = this.redis;
    if (this.receivers === 0) {
      if (Date.now() - this.checkedAt < this.recheckMs) return;
      this.checkedAt = Date.now();
      const [, count] = (await client.pubsub('NUMSUB', keys.live)) as [string, number | string];
      this.receivers = Number(count);
      if (this.receivers === 0) return;
    }
    this.receivers = await client.publish(keys.live, encodeLiveCalls(this.origin, calls));
    if (this.receivers === 0) this.checkedAt = Date.now();
  }

  private subscribe(): void {
    // Commands on it wait for Redis rather than fail: ioredis subscribes again by itself after a reconnection.
    const subscriber = connectRedis(this.redis.config, { blocking: true });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      // A connection being closed may still hear a message; its successor, if any, hears it too.
      if (this.subscriber === subscriber) this.received(message);
    });
    subscriber.subscribe(this.redis.keys.live).catch(() => undefined);
  }

  private unsubscribe(): void {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    this.subscriber = null;
    const closed = closeRedis(subscriber).finally(() => this.closing.delete(closed));
    this.closing.add(closed);
  }

  private received(message: string): void {
    if (liveOrigin(message) === this.origin) return;
    const decoded = decodeLiveCalls(message);
    // Another version's message (during an upgrade) is skipped: the calls are stored, only live views miss them.
    if (!decoded.ok) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(decoded.calls);
      } catch {
        // Listeners must not throw; one that does must not break the connection's reading for the others.
      }
    }
  }
}
