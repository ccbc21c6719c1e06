import type { WriteBatch } from '@tally/storage';

/** What a sink can tell the caller about the records it accepted. */
export interface SinkResult {
  /**
   * Positions in `batch.calls` of calls that were stored already (same project, id and timestamp). Only a sink that
   * writes the store itself can know this; the Redis queue answers before the store is written and reports none.
   */
  readonly duplicateCalls: readonly number[];
}

/**
 * Where every ingest path (the ingest routes, OTLP, the proxy's recordings) hands the records it accepted. Its
 * promise resolves once the records are safe by the sink's own standard, and only then does the path answer 2xx:
 *
 * - without Redis, the server's GroupWriter: the records are committed to the store;
 * - with TALLY_REDIS_URL, the ingest stream: the records are in Redis (XADD returned) and a `tally worker` writes
 *   them to the store, through its own GroupWriter, shortly after.
 */
export interface RecordSink {
  write(batch: WriteBatch): Promise<SinkResult>;
  /** Whether a 2xx means the records are already in the store (false: they are queued). */
  readonly storesAtOnce: boolean;
}
