/** Request and response examples of the ingest routes, shown in the OpenAPI document. */

/** One LLM call as a client sends it; id is absent, so Tally assigns a UUIDv7. */
export const llmCall = {
  timestamp: '2026-11-23T10:00:00.000Z',
  duration_ms: 1840,
  ttft_ms: 420,
  provider: 'openai',
  model: 'gpt-4o',
  operation: 'chat_answer',
  input_tokens: 1250,
  output_tokens: 310,
  cache_read_tokens: 1024,
  user_id: 'user_8f3a2c',
  session_id: 'sess_2026-11-23_a41f',
  agent_name: 'support-agent',
  agent_version: '1.4.2',
  environment: 'production',
  tags: ['beta'],
  metadata: { ticket_id: 'T-48213' },
};

export const llmCreated = { id: '01a207d9-2941-7c41-9e2b-5d8a3f61b0c7', status: 'created' };

export const llmBulk = {
  events: [
    {
      id: 'call-0001',
      timestamp: '2026-11-23T10:00:00.000Z',
      duration_ms: 2310,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      input_tokens: 2100,
      output_tokens: 450,
      user_id: 'user_8f3a2c',
      session_id: 'sess_2026-11-23_a41f',
      agent_name: 'support-agent',
    },
    {
      id: 'call-0002',
      timestamp: '2026-11-23T10:00:03.000Z',
      duration_ms: 95,
      provider: 'openai',
      model: 'text-embedding-3-small',
      api_type: 'embedding',
      input_tokens: 512,
      user_id: 'user_8f3a2c',
      agent_name: 'support-agent',
    },
  ],
};

/** A batch of three whose third call had negative input_tokens: the two valid calls are stored. */
export const llmBulkResults = {
  results: [
    { index: 0, id: 'call-0001', status: 201 },
    { index: 1, id: 'call-0002', status: 201, duplicate: true },
    {
      index: 2,
      id: 'call-0003',
      status: 422,
      error: {
        code: 'validation_failed',
        message: 'input_tokens must be >= 0',
        fields: [{ path: 'input_tokens', message: 'must be >= 0' }],
      },
    },
  ],
  accepted: 2,
  rejected: 1,
  duplicates: 1,
};

export const appLog = {
  timestamp: '2026-11-23T10:00:01.000Z',
  level: 'WARNING',
  message: 'retrying the OpenAI call after a 429',
  logger: 'support.llm',
  service: 'support-api',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  attributes: { attempt: 2, model: 'gpt-4o' },
};

export const appLogs = {
  logs: [appLog, { level: 'INFO', message: 'ticket T-48213 answered', service: 'support-api' }],
};

export const appLogCreated = { id: '01a207d9-25b7-7a09-8d3e-41c7f2a95e18', status: 'created' };

/** A batch whose second log had no message: the first is stored, the second rejected. */
export const appLogResults = {
  results: [
    { index: 0, id: '01a207d9-25b7-7a09-8d3e-41c7f2a95e18', status: 201 },
    {
      index: 1,
      id: null,
      status: 422,
      error: {
        code: 'validation_failed',
        message: 'message is required',
        fields: [{ path: 'message', message: 'is required' }],
      },
    },
  ],
  accepted: 1,
  rejected: 1,
};

export const metric = {
  timestamp: '2026-11-23T10:00:00.000Z',
  name: 'queue.depth',
  value: 12,
  unit: 'jobs',
  tags: { queue: 'answers', region: 'eu-west-1' },
};

export const metrics = {
  metrics: [metric, { timestamp: '2026-11-23T10:00:00.000Z', name: 'cpu.percent', value: 41.5, unit: '%' }],
};

export const metricCreated = { id: '01a207d9-25bf-73f2-b6a1-0e94c58d27fa', status: 'created' };

/** A batch whose second sample had no value: the first is stored, the second rejected. */
export const metricResults = {
  results: [
    { index: 0, id: '01a207d9-25bf-73f2-b6a1-0e94c58d27fa', status: 201 },
    {
      index: 1,
      id: null,
      status: 422,
      error: {
        code: 'validation_failed',
        message: 'value is required',
        fields: [{ path: 'value', message: 'is required' }],
      },
    },
  ],
  accepted: 1,
  rejected: 1,
};
