import type { EventStore, GroupWriter, WriteBatch } from '@tally/storage';
import type { Redis } from 'ioredis';
import type { AlertLog } from '../alerts/deferred-log.js';
import { decodeBatch } from './record-codec.js';
import type { RedisKeys } from './redis-client.js';
import { ensureGroup } from './stream-sink.js';
import { trimAcknowledged } from './stream-trim.js';

/** A stream entry as Redis returns it: its id and its fields (null when it was deleted while pending). */
type Entry = [id: string, fields: string[] | null];

interface Message {
  id: string;
  fields: string[];
  batch: WriteBatch;
}

export interface WorkerOptions {
  /** This consumer's name in the group: unique among the running workers (default: host name and pid). */
  consumer: string;
  /** Most messages read, written and acknowledged together. */
  batch: number;
  /** How long a message stays unacknowledged before a worker takes it over (its worker crashed or is stuck). */
  claimIdleMs: number;
  /** Deliveries of a message that keeps being refused before it moves to the dead-letter stream. */
  maxDeliveries: number;
  /** How long one read waits for new messages; stop() waits at most this long for an idle worker. */
  blockMs?: number;
  /** Pause after Redis or the store failed, before trying again (doubled while the store stays down, to 30 s). */
  retryMs?: number;
  /** Time between trims of acknowledged entries from the stream. */
  trimEveryMs?: number;
}

export interface WorkerDeps {
  /** Commands; may be shared by the workers of a process. */
  redis: Redis;
  /** This worker's own connection for its blocking reads (a blocked connection serves nothing else). */
  blocking: Redis;
  keys: RedisKeys;
  /** The same write path as the ingest routes without Redis: group commits, commit listeners, idempotency. */
  writer: Pick<GroupWriter, 'write'>;
  store: Pick<EventStore, 'ping'>;
  log: AlertLog;
}

/**
 * One consumer of the ingest stream. It reads messages in the workers' group, writes their records through the
 * GroupWriter and acknowledges them (XACK) only once the store committed them, so a worker that dies mid-batch
 * leaves its messages pending; any worker takes those over (XAUTOCLAIM) once they have been idle `claimIdleMs`.
 * A message may thus be written twice, which stores nothing twice: writes are idempotent on (project_id, id,
 * timestamp).
 *
 * A message is refused when it cannot be decoded or when the store rejects it on its own while the store is up
 * (it is first retried alone, so that one bad message does not refuse the others of its transaction). A refused
 * message stays pending and is tried again after `claimIdleMs`; at its `maxDeliveries`-th delivery it is moved to
 * the dead-letter stream with the reason. While the store is down, nothing is refused: the worker holds its
 * messages and retries.
 */
export class StreamWorker {
  private stopping = false;
  private running: Promise<void> | null = null;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private nextTrimAt = 0;
  private wake: (() => void) | null = null;
  private readonly blockMs: number;
  private readonly retryMs: number;
  private readonly trimEveryMs: number;
  private readonly claimEveryMs: number;
  /** What this worker did, for its log line and for tests. */
  readonly stats = { stored: 0, claimed: 0, deadLettered: 0 };

  constructor(
    private readonly deps: WorkerDeps,
    readonly options: WorkerOptions,
  ) {
    this.blockMs = options.blockMs ?? 1000;
    this.retryMs = options.retryMs ?? 1000;
    this.trimEveryMs = options.trimEveryMs ?? 5000;
    // Often enough that a crashed worker's messages wait little longer than claimIdleMs.
    this.claimEveryMs = Math.min(Math.max(options.claimIdleMs / 4, 50), 5000);
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Finishes the batch in hand (written and acknowledged, or left pending for another worker), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private get name(): string {
    return this.options.consumer;
  }

  private async loop(): Promise<void> {
    let groupReady = false;
    while (!this.stopping) {
      try {
        if (!groupReady) {
          await ensureGroup(this.deps.redis, this.deps.keys);
          groupReady = true;
        }
        const entries = (await this.claim()) ?? (await this.read());
        if (entries.length > 0) await this.handle(entries);
        await this.trimIfDue();
      } catch (e) {
        const message = (e as Error).message;
        // The stream or its group was deleted (Redis flushed or restarted empty): create them again.
        if (message.includes('NOGROUP')) groupReady = false;
        this.deps.log.error({ consumer: this.name }, `worker ${this.name}: ${message}; trying again shortly`);
        await this.sleep(this.retryMs);
      }
    }
  }

  /** Messages idle longer than claimIdleMs, taken over from whichever worker held them (this one included). */
  private async claim(): Promise<Entry[] | null> {
    const now = Date.now();
    if (this.claimCursor === '0-0' && now < this.nextClaimAt) return null;
    const { redis, keys } = this.deps;
    const [next, entries] = (await redis.xautoclaim(
      keys.stream,
      keys.group,
      this.name,
      this.options.claimIdleMs,
      this.claimCursor,
      'COUNT',
      this.options.batch,
    )) as [string, Entry[]];
    this.claimCursor = next;
    if (next === '0-0') this.nextClaimAt = now + this.claimEveryMs;
    if (entries.length === 0) return null;
    this.stats.claimed += entries.length;
    this.deps.log.warn(
      { consumer: this.name, messages: entries.length },
      `worker ${this.name}: took over ${entries.length} message(s) left unacknowledged for ${this.options.claimIdleMs} ms`,
    );
    return entries;
  }

  private async read(): Promise<Entry[]> {
    const { blocking, keys } = this.deps;
    const answer = (await blocking.xreadgroup(
      'GROUP',
      keys.group,
      this.name,
      'COUNT',
      this.options.batch,
      'BLOCK',
      this.blockMs,
      'STREAMS',
      keys.stream,
      '>',
    )) as [string, Entry[]][] | null;
    return answer?.[0]?.[1] ?? [];
  }

  private async handle(entries: Entry[]): Promise<void> {
    const messages: Message[] = [];
    const gone: string[] = [];
    const undecodable: { id: string; fields: string[] | null; reason: string }[] = [];
    for (const [id, fields] of entries) {
      // Deleted while pending: nothing left to write (Redis before 7 still lists such entries).
      if (fields === null) {
        gone.push(id);
        continue;
      }
      const decoded = decodeBatch(fields);
      if (decoded.ok) messages.push({ id, fields, batch: decoded.batch });
      else undecodable.push({ id, fields, reason: decoded.reason });
    }
    if (gone.length > 0) await this.ack(gone);
    // Each message is its own write: the GroupWriter commits them together, up to its transaction size.
    const results = await Promise.allSettled(messages.map((m) => this.deps.writer.write(m.batch)));
    const stored = messages.filter((_, i) => results[i]!.status === 'fulfilled');
    if (stored.length > 0) await this.ack(stored.map((m) => m.id));
    this.stats.stored += stored.length;
    const failed = messages.filter((_, i) => results[i]!.status === 'rejected');
    if (failed.length > 0) await this.retryAlone(failed);
    for (const u of undecodable) await this.refused(u.id, u.fields, u.reason);
  }

  /**
   * Messages whose transaction failed, written one at a time once the store answers; one that still fails while the
   * store is up is refused. While the store is down they are held and retried (until stop: then they stay pending).
   */
  private async retryAlone(messages: Message[]): Promise<void> {
    for (let attempt = 0; !(await this.storeUp()); attempt++) {
      if (this.stopping) {
        this.deps.log.warn(
          { consumer: this.name, messages: messages.length },
          `worker ${this.name}: stopping while the store is unavailable; ${messages.length} message(s) stay queued for another worker`,
        );
        return;
      }
      if (attempt === 0)
        this.deps.log.error(
          { consumer: this.name, messages: messages.length },
          `worker ${this.name}: the store is unavailable; holding ${messages.length} message(s) and retrying`,
        );
      await this.sleep(Math.min(this.retryMs * 2 ** attempt, 30_000));
    }
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      try {
        await this.deps.writer.write(m.batch);
      } catch (e) {
        if (!(await this.storeUp())) return this.retryAlone(messages.slice(i));
        await this.refused(m.id, m.fields, `the store rejected the batch: ${(e as Error).message}`);
        continue;
      }
      await this.ack([m.id]);
      this.stats.stored++;
    }
  }

  /**
   * A message that could not be stored: moved to the dead-letter stream at its last allowed delivery, otherwise
   * left pending to be claimed again once idle (by this worker or another).
   */
  private async refused(id: string, fields: string[] | null, reason: string): Promise<void> {
    const { redis, keys, log } = this.deps;
    const [row] = (await redis.xpending(keys.stream, keys.group, id, id, 1)) as [string, string, number, number][];
    // Acknowledged, or taken over by another worker meanwhile: that worker decides.
    if (!row || row[1] !== this.name) return;
    const deliveries = Number(row[3]);
    if (deliveries < this.options.maxDeliveries) {
      log.warn(
        { consumer: this.name, message_id: id, deliveries },
        `worker ${this.name}: message ${id} refused (${reason}); delivery ${deliveries} of ` +
          `${this.options.maxDeliveries}, tried again in ${this.options.claimIdleMs} ms`,
      );
      return;
    }
    await redis
      .multi()
      .xadd(
        keys.dead,
        '*',
        'id',
        id,
        'reason',
        reason,
        'deliveries',
        String(deliveries),
        'consumer',
        this.name,
        'at',
        new Date().toISOString(),
        'fields',
        JSON.stringify(fields ?? []),
      )
      .xack(keys.stream, keys.group, id)
      .exec();
    // Only the id and the reason are logged: the records themselves (prompts included) stay in Redis.
    this.stats.deadLettered++;
    log.error(
      { consumer: this.name, message_id: id, deliveries },
      `worker ${this.name}: message ${id} moved to the dead-letter stream ${keys.dead} after ${deliveries} ` +
        `deliveries: ${reason}. Inspect it with XRANGE ${keys.dead} - +`,
    );
  }

  private async ack(ids: string[]): Promise<void> {
    await this.deps.redis.xack(this.deps.keys.stream, this.deps.keys.group, ...ids);
  }

  private async trimIfDue(): Promise<void> {
    const now = Date.now();
    if (now < this.nextTrimAt) return;
    this.nextTrimAt = now + this.trimEveryMs;
    await trimAcknowledged(this.deps.redis, this.deps.keys);
  }

  private async storeUp(): Promise<boolean> {
    try {
      await this.deps.store.ping();
      return true;
    } catch {
      return false;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
