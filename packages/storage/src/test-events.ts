import { PriceBook, prepareCallEvent, type AgentRun, type CallEvent, type CallEventInput } from '@tally/core';

const book = new PriceBook();

/** Builds a valid stored CallEvent through the same path ingest uses; for tests of every backend. */
export function makeCall(projectId: string, input: Partial<CallEventInput> & Record<string, unknown> = {}): CallEvent {
  const prepared = prepareCallEvent(
    {
      timestamp: Date.now() - 60_000,
      model: 'gpt-4o-mini',
      provider: 'openai',
      input_tokens: 100,
      output_tokens: 20,
      ...input,
    },
    { projectId, now: Date.now(), ingestSource: 'api', capturePolicy: 'full', priceBook: book },
  );
  if (!prepared.ok) throw new Error(`test event is invalid: ${JSON.stringify(prepared.errors)}`);
  return prepared.value;
}

/** A stored agent run with sensible defaults; for tests of every backend. */
export function makeRun(projectId: string, fields: Partial<AgentRun> & Pick<AgentRun, 'id' | 'trace_id'>): AgentRun {
  const timestamp = fields.timestamp ?? Date.now() - 60_000;
  const end = fields.end_time ?? timestamp + 1000;
  return {
    project_id: projectId,
    parent_span_id: null,
    timestamp,
    end_time: end,
    duration_ms: end - timestamp,
    agent_name: null,
    agent_id: null,
    agent_version: null,
    session_id: null,
    user_id: null,
    app_name: null,
    environment: null,
    status: 'success',
    error_type: null,
    error_message: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    ingest_source: 'otlp',
    ingested_at: Date.now(),
    metadata: {},
    ...fields,
  };
}
