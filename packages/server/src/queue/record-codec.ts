import type { CallEvent } from '@tally/core';
import type { WriteBatch } from '@tally/storage';

/**
 * The message format's version. A worker refuses a message of a version it does not know like a damaged one: it
 * stays in the stream for another worker (a newer one, during an upgrade) until its deliveries run out.
 */
export const MESSAGE_VERSION = '1';

/** The fields of one stream message: its format version and the batch as JSON. */
export function encodeBatch(batch: WriteBatch): string[] {
  return ['v', MESSAGE_VERSION, 'b', JSON.stringify(batch)];
}

export type Decoded = { ok: true; batch: WriteBatch } | { ok: false; reason: string };

const KINDS = ['calls', 'logs', 'metrics', 'runs'] as const;

/**
 * Reads a message back. What an API replica wrote always decodes; anything else (a message written by hand, by a
 * newer Tally, or damaged) is refused with the reason, for the dead-letter stream.
 */
export function decodeBatch(fields: readonly string[] | null): Decoded {
  if (!fields) return { ok: false, reason: 'the message was deleted from the stream before it was written' };
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const version = map.get('v');
  if (version !== MESSAGE_VERSION)
    return {
      ok: false,
      reason: `unknown message version ${JSON.stringify(version ?? null)}; expected ${MESSAGE_VERSION}`,
    };
  let value: unknown;
  try {
    value = JSON.parse(map.get('b') ?? '');
  } catch (e) {
    return { ok: false, reason: `the batch is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'the batch is not a JSON object' };
  const batch = value as Record<string, unknown>;
  for (const kind of KINDS) {
    const list = batch[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return { ok: false, reason: `"${kind}" is not an array` };
    for (let i = 0; i < list.length; i++) {
      const r = list[i] as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null || typeof r['project_id'] !== 'string' || typeof r['id'] !== 'string')
        return { ok: false, reason: `${kind}[${i}] is not a record with a project_id and an id` };
    }
  }
  return { ok: true, batch: batch as WriteBatch };
}

/**
 * A message on the live channel (`<prefix>live`): the calls one transaction committed, for the live streams of
 * every replica. One line: the format version, the id of the process that committed them, and the calls as the
 * ingest stream holds them. The origin comes before the JSON so that a process can skip its own messages (its
 * streams heard those calls from its writer already) without parsing them.
 */
export function encodeLiveCalls(origin: string, calls: readonly CallEvent[]): string {
  return `${MESSAGE_VERSION} ${origin} ${JSON.stringify({ calls })}`;
}

/** The origin of a live message, read without parsing its calls; null when it is not one. */
export function liveOrigin(message: string): string | null {
  const first = message.indexOf(' ');
  const second = first < 0 ? -1 : message.indexOf(' ', first + 1);
  return second < 0 ? null : message.slice(first + 1, second);
}

export type DecodedLive = { ok: true; origin: string; calls: readonly CallEvent[] } | { ok: false; reason: string };

/** Reads a live message back, refusing what `decodeBatch` refuses (another version, damaged JSON). */
export function decodeLiveCalls(message: string): DecodedLive {
  const origin = liveOrigin(message);
  if (origin === null) return { ok: false, reason: 'not a live message: expected "<version> <origin> <calls>"' };
  const version = message.slice(0, message.indexOf(' '));
  const decoded = decodeBatch(['v', version, 'b', message.slice(version.length + origin.length + 2)]);
  return decoded.ok ? { ok: true, origin, calls: decoded.batch.calls ?? [] } : decoded;
}
