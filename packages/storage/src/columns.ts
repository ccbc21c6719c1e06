import { AGENT_RUN_FIELDS, CALL_EVENT_FIELDS, type AgentRun, type CallEvent } from '@tally/core';

/** Backend-neutral column types; each backend's schema file maps them to its own. */
export type LogicalType = 'text' | 'int' | 'float' | 'bool' | 'time' | 'json' | 'text_list';

const INT_FIELDS = new Set<keyof CallEvent>([
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'status_code',
  'max_tokens',
  'message_count',
  'request_bytes',
  'response_bytes',
]);
const FLOAT_FIELDS = new Set<keyof CallEvent>(['duration_ms', 'ttft_ms', 'cost_usd', 'temperature', 'upstream_ms']);
const TIME_FIELDS = new Set<keyof CallEvent>(['timestamp', 'end_time', 'ingested_at']);

function typeOf(field: keyof CallEvent): LogicalType {
  if (INT_FIELDS.has(field)) return 'int';
  if (FLOAT_FIELDS.has(field)) return 'float';
  if (TIME_FIELDS.has(field)) return 'time';
  if (field === 'stream') return 'bool';
  if (field === 'tags') return 'text_list';
  if (field === 'metadata') return 'json';
  return 'text';
}

export interface Column<K extends string = string> {
  name: K;
  type: LogicalType;
  notNull: boolean;
}

const NOT_NULL = new Set<string>([
  'id',
  'project_id',
  'timestamp',
  'cost_source',
  'status',
  'ingest_source',
  'ingested_at',
]);

export const CALL_COLUMNS: readonly Column<keyof CallEvent>[] = CALL_EVENT_FIELDS.map((name) => ({
  name,
  type: typeOf(name),
  notNull: NOT_NULL.has(name),
}));

export const LOG_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'project_id', type: 'text', notNull: true },
  { name: 'timestamp', type: 'time', notNull: true },
  { name: 'level', type: 'text', notNull: true },
  { name: 'message', type: 'text', notNull: true },
  { name: 'logger', type: 'text', notNull: false },
  { name: 'service', type: 'text', notNull: false },
  { name: 'trace_id', type: 'text', notNull: false },
  { name: 'attributes', type: 'json', notNull: false },
  { name: 'ingested_at', type: 'time', notNull: true },
];

export const METRIC_COLUMNS: readonly Column[] = [
  { name: 'id', type: 'text', notNull: true },
  { name: 'project_id', type: 'text', notNull: true },
  { name: 'timestamp', type: 'time', notNull: true },
  { name: 'name', type: 'text', notNull: true },
  { name: 'value', type: 'float', notNull: true },
  { name: 'unit', type: 'text', notNull: false },
  { name: 'tags', type: 'json', notNull: false },
  { name: 'ingested_at', type: 'time', notNull: true },
];

const RUN_TYPES: Partial<Record<keyof AgentRun, LogicalType>> = {
  timestamp: 'time',
  end_time: 'time',
  ingested_at: 'time',
  duration_ms: 'float',
  cost_usd: 'float',
  input_tokens: 'int',
  output_tokens: 'int',
  metadata: 'json',
};

export const RUN_COLUMNS: readonly Column<keyof AgentRun>[] = AGENT_RUN_FIELDS.map((name) => ({
  name,
  type: RUN_TYPES[name] ?? 'text',
  notNull: ['id', 'project_id', 'trace_id', 'timestamp', 'status', 'ingest_source', 'ingested_at'].includes(name),
}));
