import { StoreError, type WriteBatch } from '@tally/storage';
import type { Redis } from 'ioredis';
import { encodeBatch } from './record-codec.js';
import type { RecordSink, SinkResult } from './record-sink.js';
import type { RedisKeys } from './redis-client.js';

const NONE: SinkResult = { duplicateCalls: [] };

/**
 * The sink of an API replica with TALLY_REDIS_URL: one XADD per accepted batch. The request is answered 2xx when
 * Redis has the message; what that survives depends on Redis's persistence (README, "Scaling out with Redis").
 * A replica that cannot reach Redis answers 503: the client retries, and nothing is acknowledged that is not queued.
 */
export class StreamSink implements RecordSink {
  readonly storesAtOnce = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Creates the stream and the workers' group, so that messages queued before any worker started are read too. */
  async init(): Promise<void> {
    await ensureGroup(this.redis, this.keys);
  }

  async write(batch: WriteBatch): Promise<SinkResult> {
    try {
      await this.redis.xadd(this.keys.stream, '*', ...encodeBatch(batch));
    } catch (cause) {
      throw new StoreError(`queueing records in Redis failed: ${(cause as Error).message}`, { cause });
    }
    return NONE;
  }
}

/** Creates the stream and its consumer group, reading from the stream's start; an existing group is kept. */
export async function ensureGroup(redis: Redis, keys: RedisKeys): Promise<void> {
  try {
    await redis.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
  } catch (e) {
    if (!String((e as Error).message).startsWith('BUSYGROUP')) throw e;
  }
}
