/** Keeps the first record of each (project_id, id, timestamp) in a batch; later copies would be no-ops anyway. */
export function dedupe<T extends { project_id: string; id: string; timestamp: number }>(records: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of records) {
    const key = recordKey(r);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/** What makes two records the same record: project, id and start time. */
export function recordKey(r: { project_id: string; id: string; timestamp: number }): string {
  return `${r.project_id}\u0000${r.id}\u0000${r.timestamp}`;
}

/**
 * The positions in `records` of those not among `written` (keys of the records a store inserted): copies later in
 * the batch of a record written once, and records that were stored before.
 */
export function duplicatePositions(
  records: readonly { project_id: string; id: string; timestamp: number }[],
  written: Iterable<string>,
): number[] {
  const fresh = new Set(written);
  const out: number[] = [];
  records.forEach((r, i) => {
    if (!fresh.delete(recordKey(r))) out.push(i);
  });
  return out;
}
