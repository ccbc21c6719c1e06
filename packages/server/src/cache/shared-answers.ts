import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../queue/redis-client.js';

/**
 * The analytics cache of replicas that share a Redis. An answer is kept under a key that holds its project's
 * generation, a counter moved on (INCR) by every commit into the project, wherever it happens (a `tally worker`, a
 * retention sweep, a deletion): once it moved, every replica asks under the new generation, so none serves an
 * answer older than the data. Answers expire after the TTL like the in-memory cache's.
 */
export class SharedAnswers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The key an answer about `projectId` is kept under now. Questions that no write changes pass `projectId` ''. */
  async keyFor(projectId: string, question: string): Promise<string> {
    const generation = projectId === '' ? '0' : ((await this.redis.get(this.keys.generation(projectId))) ?? '0');
    const digest = createHash('sha256').update(question).digest('base64url');
    return this.keys.answer(projectId, generation, digest);
  }

  /** The answer kept under `key`, or undefined. */
  async get(key: string): Promise<unknown> {
    const text = await this.redis.get(key);
    return text === null ? undefined : (JSON.parse(text) as unknown);
  }

  async set(key: string, answer: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(key, JSON.stringify(answer), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  /** Makes every answer about the project kept so far unreachable, on every replica. */
  async invalidate(projectId: string): Promise<void> {
    await this.redis.incr(this.keys.generation(projectId));
  }
}
