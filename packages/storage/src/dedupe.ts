/** Keeps the first record of each (project_id, id, timestamp) in a batch; later copies would be no-ops anyway. */
export function dedupe<T extends { project_id: string; id: string; timestamp: number }>(records: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of records) {
    const key = `${r.project_id}\u0000${r.id}\u0000${r.timestamp}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
