import type { IngestSource } from './call-event.js';

/**
 * One run of an agent: an OpenTelemetry agent span (`invoke_agent …`, or pydantic-ai's older `agent run`). It is
 * kept beside the calls, not among them: its usage is the sum of its children's, so counting it as a call would
 * count the same tokens twice. The calls beneath a run take its agent, conversation and user when they do not
 * carry their own (the store resolves this whichever arrives first).
 */
export interface AgentRun {
  /** The span id (lower-case hex). */
  id: string;
  project_id: string;
  trace_id: string;
  parent_span_id: string | null;
  /** Start and end, epoch ms. */
  timestamp: number;
  end_time: number | null;
  duration_ms: number | null;
  agent_name: string | null;
  agent_id: string | null;
  agent_version: string | null;
  session_id: string | null;
  user_id: string | null;
  app_name: string | null;
  environment: string | null;
  /** success, or error when the span's status is ERROR or it recorded an exception. */
  status: 'success' | 'error';
  error_type: string | null;
  error_message: string | null;
  /** The run's own usage attributes: an aggregate of its calls, kept for reference and never added to them. */
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  ingest_source: IngestSource;
  ingested_at: number;
  metadata: Record<string, unknown>;
}

/** Every AgentRun column in storage order. */
export const AGENT_RUN_FIELDS = Object.freeze([
  'id',
  'project_id',
  'trace_id',
  'parent_span_id',
  'timestamp',
  'end_time',
  'duration_ms',
  'agent_name',
  'agent_id',
  'agent_version',
  'session_id',
  'user_id',
  'app_name',
  'environment',
  'status',
  'error_type',
  'error_message',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'ingest_source',
  'ingested_at',
  'metadata',
] as const satisfies readonly (keyof AgentRun)[]);

/** The fields a call takes from the agent run above it when it has none of its own, in bit order. */
export const INHERITED_FIELDS = Object.freeze(['agent_name', 'agent_version', 'session_id', 'user_id'] as const);
