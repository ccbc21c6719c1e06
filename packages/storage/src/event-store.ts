import type {
  AgentRun,
  AppLog,
  CallEvent,
  CapturePolicy,
  Filter,
  Interval,
  LogLevel,
  MetricPoint,
  PriceOverride,
  QueryRow,
  QuerySpec,
} from '@tally/core';
import type { AlertingStore } from './alerting-records.js';

/** One whole partition of stored records that retention dropped (see `EventStore.dropExpiredPartitions`). */
export interface DroppedPartition {
  /** The records' table: `calls`, `app_logs`, `metric_points` or `agent_runs`. */
  table: string;
  /** The partition's own name, such as `calls_p2026_01`. */
  partition: string;
  /** Rows it held. */
  rows: number;
  /** Rows it held, by project id. */
  projects: Record<string, number>;
}

/** The largest page `events()` returns. */
export const MAX_PAGE = 10_000;

/** Records to persist in one transaction. Each record carries its project_id. */
export interface WriteBatch {
  calls?: readonly CallEvent[];
  logs?: readonly AppLog[];
  metrics?: readonly MetricPoint[];
  /** Agent runs (OpenTelemetry agent spans); the calls beneath them take their agent, session and user. */
  runs?: readonly AgentRun[];
}

/** How many records of a batch were new; the rest were already stored under the same (project_id, id, timestamp). */
export interface WriteResult {
  calls: number;
  logs: number;
  metrics: number;
  runs: number;
  /**
   * Positions in `batch.calls` of the calls not written because they were stored already, or came earlier in the
   * same batch: how a client tells the calls it sends for the first time from those it had sent before.
   */
  duplicateCalls: number[];
}

export interface EventFilter {
  projectId: string;
  /** Inclusive start and exclusive end, epoch ms. */
  from?: number;
  to?: number;
  /** Filters on dimensions, tags and metadata keys, as in a QuerySpec. */
  filters?: readonly Filter[];
  /** Newest first (the default) or oldest first. */
  order?: 'desc' | 'asc';
  /** Page size, at most MAX_PAGE; 100 when absent. */
  limit?: number;
  /** Opaque cursor from a previous page read in the same order. */
  cursor?: string | null;
}

/** Which application logs to read: newest first. */
export interface LogFilter {
  projectId: string;
  /** Inclusive start and exclusive end, epoch ms; open when absent. */
  from?: number;
  to?: number;
  /** Only logs of exactly this level. */
  level?: LogLevel;
  /** At most MAX_PAGE. */
  limit: number;
}

export interface EventPage {
  events: CallEvent[];
  next_cursor: string | null;
}

export interface StoreStats {
  calls: number;
  logs: number;
  metrics: number;
}

export interface Project {
  id: string;
  name: string;
  description: string | null;
  capture_policy: CapturePolicy;
  created_at: number;
  /** Days of data kept; older calls, logs and metrics are deleted. Null: the server's default applies. */
  retention_days: number | null;
  /** The most calls kept; the oldest beyond it are deleted. Null: no limit. */
  max_events: number | null;
}

/** A project to create: the lifecycle settings may be left out (null). */
export type NewProjectRecord = Omit<Project, 'retention_days' | 'max_events'> &
  Partial<Pick<Project, 'retention_days' | 'max_events'>>;

/** The fields of a project that can change after it was created. */
export type ProjectPatch = Partial<
  Pick<Project, 'name' | 'description' | 'capture_policy' | 'retention_days' | 'max_events'>
>;

/** ingest: write only; read: read and write; manage: read, write and delete the project's data. */
export type KeyScope = 'ingest' | 'read' | 'manage';

export interface ApiKeyRecord {
  id: string;
  project_id: string;
  name: string | null;
  scope: KeyScope;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  key_hash: string;
  /** The first characters of the key, for recognising it in a list. */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

/** A per-project price, stored: the override plus its id and owner. */
export interface StoredPriceOverride extends PriceOverride {
  id: string;
  project_id: string;
  created_at: number;
}

/**
 * Projects, keys, budgets, alerts and server settings: the small, rarely written tables every backend keeps beside
 * the events.
 */
export interface MetadataStore extends AlertingStore {
  listProjects(): Promise<Project[]>;
  getProject(id: string): Promise<Project | null>;
  /** Returns false when a project with that id exists already. */
  createProject(project: NewProjectRecord): Promise<boolean>;
  /** Changes the given fields; returns the project as stored afterwards, or null when it does not exist. */
  updateProject(id: string, patch: ProjectPatch): Promise<Project | null>;
  /** Deletes the project, its keys, budgets, alert rules, webhooks and all its data; false when it did not exist. */
  deleteProject(id: string): Promise<boolean>;
  createKey(key: ApiKeyRecord): Promise<void>;
  listKeys(projectId?: string): Promise<ApiKeyRecord[]>;
  revokeKey(id: string, at: number): Promise<boolean>;
  listPriceOverrides(projectId?: string): Promise<StoredPriceOverride[]>;
  addPriceOverride(override: StoredPriceOverride): Promise<void>;
  deletePriceOverride(projectId: string, id: string): Promise<boolean>;
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string): Promise<void>;
  /**
   * Stores `value` only when no value is stored under `name` yet, and returns the value stored afterwards: `value`
   * when this call stored it, the earlier one otherwise. Of several processes racing to set the same name, exactly
   * one value wins and every caller is told which.
   */
  setSettingIfAbsent(name: string, value: string): Promise<string>;
}

/**
 * The only door to data (shared/DESIGN.md §4). Writes are idempotent on (project_id, id) and durable once the
 * returned promise resolves.
 */
export interface EventStore extends MetadataStore {
  /** Backend name, for status pages: `duckdb`, `postgres`, `clickhouse`. */
  readonly kind: string;
  init(): Promise<void>;
  close(): Promise<void>;
  /** Runs a real query; throws when the store cannot answer. */
  ping(): Promise<void>;
  write(batch: WriteBatch): Promise<WriteResult>;
  /** Answers an analytics question over the project's calls (see QuerySpec and the query compiler). */
  query(spec: QuerySpec): Promise<QueryRow[]>;
  /** The start of every `interval` in `tz` that overlaps [from, to), epoch ms ascending: the rows of a gap-filled series. */
  buckets(from: number, to: number, interval: Interval, tz: string): Promise<number[]>;
  events(filter: EventFilter): Promise<EventPage>;
  getEvent(projectId: string, id: string): Promise<CallEvent | null>;
  /** Application logs, newest first (ties broken by id, descending). */
  logs(filter: LogFilter): Promise<AppLog[]>;
  deleteBefore(projectId: string, before: number): Promise<number>;
  /**
   * Retention by whole partitions, offered by backends whose event tables are partitioned by time (PostgreSQL,
   * by month): drops every partition all of whose rows have expired, `cuts` mapping each project to the instant
   * before which its data expires (a project not in it keeps everything, so its rows keep their partition). Far
   * cheaper than deleting row by row; what it leaves, `deleteBefore` removes. The retention sweep calls it first
   * when the store has it.
   */
  dropExpiredPartitions?(cuts: ReadonlyMap<string, number>): Promise<DroppedPartition[]>;
  clear(projectId: string): Promise<number>;
  /**
   * Keeps the project's newest `keep` calls, newest by (timestamp, id), and deletes the rest; returns how many
   * were deleted.
   */
  trimCalls(projectId: string, keep: number): Promise<number>;
  stats(projectId?: string): Promise<StoreStats>;
  /**
   * Every call of a selection as a file in `format`, oldest first (by timestamp, then id), produced in chunks so
   * that memory stays flat and writes keep landing while it runs. Counting happens here; the bytes come from
   * `body` as it is read.
   */
  exportCalls(selection: ExportSelection, format: ExportFormat, options?: ExportOptions): Promise<CallExport>;
}

export { decodeCursor, encodeCursor } from './cursor.js';

/**
 * File formats a store writes exports in. Times are ISO 8601 UTC text in CSV and NDJSON (UTC timestamps in
 * Parquet); `tags` and `metadata` are JSON text in CSV. A JSON array is NDJSON wrapped by the caller.
 */
export type ExportFormat = 'csv' | 'ndjson' | 'parquet';

export interface ExportSelection {
  projectId: string;
  /** Inclusive start and exclusive end, epoch ms; open when absent. */
  from?: number;
  to?: number;
  filters?: readonly Filter[];
  /** Start strictly after this row of the export order (timestamp, then id): how an interrupted export resumes. */
  after?: { timestamp: number; id: string } | null;
}

export interface ExportOptions {
  /** CSV: write the header row (true by default; false when appending to a file that has it). */
  header?: boolean;
  /** Rows per chunk at most (fewer when rows are large); each chunk is read, sorted and written on its own. */
  chunkRows?: number;
}

export interface CallExport {
  /** Rows in the export, counted when it started (calls stored while it runs may add to them). */
  readonly rows: number;
  /** The file's bytes, in order. Stopping early (break, or destroying a stream made from it) frees its resources. */
  readonly body: AsyncIterable<Buffer>;
}
