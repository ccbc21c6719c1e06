import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { detectFormat, mapRecord, parseLine, type ImportFormat, type WireEvent } from './import-mapping.js';

/** One event on its way to the store, with the line it came from. */
export interface PendingEvent {
  line: number;
  event: WireEvent;
}

/** A line that was not imported, and why. */
export interface BadLine {
  line: number;
  reason: string;
}

/** Where a batch goes: a running server over HTTP, or the data directory opened in-process. */
export interface ImportSink {
  /**
   * Stores the valid events of a batch. Returns how many were accepted, how many of those were already stored
   * (null when the server does not say), and the ones that were rejected.
   */
  send(batch: PendingEvent[]): Promise<{ accepted: number; duplicates: number | null; rejected: BadLine[] }>;
  close(): Promise<void>;
}

export interface ImportOptions {
  file: string;
  /** Fixed format, or null to detect it from the first line that is a JSON object. */
  format: ImportFormat | null;
  batchSize: number;
  sink: ImportSink;
  onBadLine(bad: BadLine): void;
  onFormat?(format: ImportFormat, detected: boolean): void;
  onProgress?(p: { bytes: number; lines: number }): void;
}

export interface ImportSummary {
  format: ImportFormat | null;
  lines: number;
  /** Calls stored by this import. */
  imported: number;
  /** Calls that were stored already (same id and timestamp); null when the server does not tell them apart. */
  alreadyPresent: number | null;
  skipped: number;
}

/**
 * Reads a JSONL file line by line (memory stays flat however big it is), maps each line and hands the events to
 * the sink in batches. Bad lines are reported and skipped; every other line is sent.
 */
export async function runImport(o: ImportOptions): Promise<ImportSummary> {
  const input = createReadStream(o.file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const summary: ImportSummary = { format: o.format, lines: 0, imported: 0, alreadyPresent: 0, skipped: 0 };
  const skip = (bad: BadLine) => {
    summary.skipped++;
    o.onBadLine(bad);
  };
  let batch: PendingEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const sent = batch;
    batch = [];
    const { accepted, duplicates, rejected } = await o.sink.send(sent);
    summary.imported += accepted - (duplicates ?? 0);
    summary.alreadyPresent =
      duplicates === null || summary.alreadyPresent === null ? null : summary.alreadyPresent + duplicates;
    for (const r of rejected) skip(r);
  };

  for await (const text of lines) {
    const n = ++summary.lines;
    if (text.trim() === '') continue;
    const parsed = parseLine(text);
    if (!parsed.ok) {
      skip({ line: n, reason: parsed.reason });
      continue;
    }
    if (summary.format === null) {
      summary.format = detectFormat(parsed.value);
      o.onFormat?.(summary.format, true);
    }
    const mapped = mapRecord(summary.format, parsed.value, text);
    if (!mapped.ok) skip({ line: n, reason: mapped.reason });
    else batch.push({ line: n, event: mapped.event });
    if (batch.length >= o.batchSize) await flush();
    if (n % 1000 === 0) o.onProgress?.({ bytes: input.bytesRead, lines: n });
  }
  await flush();
  o.onProgress?.({ bytes: input.bytesRead, lines: summary.lines });
  return summary;
}
