import { setTimeout as sleep } from 'node:timers/promises';
import type { LiteLLMCursor, LiteLLMPage, LiteLLMWindow } from '@tally/storage';
import type { ImportSink, PendingEvent } from '../import/import-run.js';
import type { WireEvent } from '../import/import-mapping.js';
import { mapSpendLogRow } from './litellm-mapping.js';

/** What the sync reads from: LiteLLM's spend logs, page by page (a LiteLLMReader). */
export interface SpendLogSource {
  count(window: LiteLLMWindow): Promise<number>;
  page(window: LiteLLMWindow, limit: number): Promise<LiteLLMPage>;
}

export interface SyncOptions {
  source: SpendLogSource;
  /** Where mapped calls go; null for a dry run, which maps and checks every row but stores nothing. */
  sink: ImportSink | null;
  /** For a dry run: the server's own check of a call, the reason it would reject it, or null. */
  check?(event: WireEvent): string | null;
  batch: number;
  /** Where to start: after this row; null from the first row. */
  start: LiteLLMCursor | null;
  settleSeconds: number;
  /** Keep polling, every `intervalMs`, until `signal` aborts; then finish the batch in hand and stop. */
  follow: { intervalMs: number; signal: AbortSignal } | null;
  /** Stores the cursor; called only after the sink acknowledged every row up to it. */
  saveCursor(cursor: LiteLLMCursor): Promise<void>;
  onSkipped(requestId: string, reason: string): void;
  /** Rows read so far and the rows known to be left at the start (it grows while following). */
  onProgress?(p: { read: number; total: number }): void;
  /** After each pass of a followed sync: the totals so far, and how many rows this pass read. */
  onPass?(summary: SyncSummary, read: number): void;
  /** A failed pass of a followed sync; it is tried again after the interval. */
  onRetry?(error: Error): void;
}

export interface SyncSummary {
  /** Rows read from LiteLLM. */
  read: number;
  /** Calls stored by this sync (a dry run: calls that would be sent). */
  synced: number;
  /** Calls Tally had already (same id and time); null when the server does not say. */
  alreadyPresent: number | null;
  /** Rows that could not be mapped or that Tally rejected: reported one by one and skipped. */
  skipped: number;
  /** Where the next sync starts. */
  cursor: LiteLLMCursor | null;
}

/**
 * Copies LiteLLM's spend logs into Tally: reads a page past the cursor, maps each row, sends the page as one batch,
 * and stores the cursor once the batch is acknowledged. A killed sync therefore repeats at most the batch it was
 * sending, which stores nothing twice (calls keep their id and time). A row that cannot be mapped or that Tally
 * rejects is reported with its request_id and skipped; the cursor moves past it.
 */
export async function runSync(o: SyncOptions): Promise<SyncSummary> {
  const summary: SyncSummary = { read: 0, synced: 0, alreadyPresent: 0, skipped: 0, cursor: o.start };
  const window = (): LiteLLMWindow => ({ after: summary.cursor, settleSeconds: o.settleSeconds });
  let total = await o.source.count(window());
  o.onProgress?.({ read: 0, total });
  const stopped = () => o.follow?.signal.aborted === true;

  for (let passes = 0; ; passes++) {
    const before = summary.read;
    try {
      await syncPages(o, summary, window, (read) => {
        total = Math.max(total, read);
        o.onProgress?.({ read, total });
      });
    } catch (e) {
      // A followed sync outlives a restart of either database; a failure of its first pass is a real error.
      if (o.follow === null || passes === 0 || stopped()) throw e;
      o.onRetry?.(e as Error);
    }
    if (o.follow !== null) o.onPass?.({ ...summary }, summary.read - before);
    if (o.follow === null || stopped()) return summary;
    await sleep(o.follow.intervalMs, undefined, { signal: o.follow.signal }).catch(() => undefined);
    if (stopped()) return summary;
  }
}

/** Pages until the window is read, or a followed sync is asked to stop (after the batch in hand). */
async function syncPages(
  o: SyncOptions,
  summary: SyncSummary,
  window: () => LiteLLMWindow,
  progress: (read: number) => void,
): Promise<void> {
  for (;;) {
    const page = await o.source.page(window(), o.batch);
    if (page.rows.length > 0) {
      await syncBatch(o, summary, page);
      progress(summary.read);
    }
    if (page.rows.length < o.batch || o.follow?.signal.aborted) return;
  }
}

async function syncBatch(o: SyncOptions, summary: SyncSummary, page: LiteLLMPage): Promise<void> {
  const pending: PendingEvent[] = [];
  const requestIds = new Map<number, string>();
  for (const row of page.rows) {
    const line = summary.read + 1;
    summary.read = line;
    const mapped = mapSpendLogRow(row);
    if (!mapped.ok) {
      skip(o, summary, String(row.request_id ?? ''), mapped.reason);
      continue;
    }
    requestIds.set(line, row.request_id);
    pending.push({ line, event: mapped.event });
  }
  if (o.sink === null) {
    for (const p of pending) {
      const reason = o.check?.(p.event) ?? null;
      if (reason === null) summary.synced++;
      else skip(o, summary, requestIds.get(p.line) ?? '', reason);
    }
  } else if (pending.length > 0) {
    const { accepted, duplicates, rejected } = await send(o.sink, pending, requestIds, summary.cursor);
    summary.synced += accepted - (duplicates ?? 0);
    summary.alreadyPresent =
      duplicates === null || summary.alreadyPresent === null ? null : summary.alreadyPresent + duplicates;
    for (const r of rejected) skip(o, summary, requestIds.get(r.line) ?? `row ${r.line}`, r.reason);
  }
  if (page.last !== null) {
    if (o.sink !== null) await o.saveCursor(page.last);
    summary.cursor = page.last;
  }
}

async function send(
  sink: ImportSink,
  pending: PendingEvent[],
  requestIds: Map<number, string>,
  cursor: LiteLLMCursor | null,
): ReturnType<ImportSink['send']> {
  try {
    return await sink.send(pending);
  } catch (e) {
    const first = requestIds.get(pending[0]!.line);
    const at = cursor === null ? 'the first row' : `${cursor.startTime}Z ${cursor.requestId}`;
    throw new Error(
      `Tally did not store the batch from request_id ${first}: ${(e as Error).message}. The cursor stays at ${at}; ` +
        'run the same command again to continue from there',
      { cause: e },
    );
  }
}

function skip(o: SyncOptions, summary: SyncSummary, requestId: string, reason: string): void {
  summary.skipped++;
  o.onSkipped(requestId, reason);
}
