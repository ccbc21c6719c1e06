import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-client.js';

/**
 * Removes acknowledged entries from the ingest stream, and only those: every entry older than both the oldest
 * pending one (delivered, not yet acknowledged) and the first not yet delivered. The stream therefore holds what
 * the workers have not stored yet, plus at most one trim interval of stored entries.
 *
 * The group's last delivered id is read before the pending entries: an entry delivered in between is then above
 * the bound, never below it.
 */
export async function trimAcknowledged(redis: Redis, keys: RedisKeys): Promise<number> {
  const groups = (await redis.xinfo('GROUPS', keys.stream)) as unknown[][];
  const group = groups.map(fieldsOf).find((g) => g.get('name') === keys.group);
  const lastDelivered = String(group?.get('last-delivered-id') ?? '0-0');
  if (lastDelivered === '0-0') return 0;
  const [count, oldestPending] = (await redis.xpending(keys.stream, keys.group)) as [number, string | null];
  const bound = Number(count) > 0 && oldestPending ? oldestPending : successor(lastDelivered);
  // `~` lets Redis trim whole internal nodes only: it may keep a few more entries, never fewer.
  return redis.xtrim(keys.stream, 'MINID', '~', bound);
}

function fieldsOf(flat: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}

/** The smallest stream id above `id` (ids are `<ms>-<sequence>`). */
function successor(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}
