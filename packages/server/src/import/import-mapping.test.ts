import { describe, expect, it } from 'vitest';
import { derivedId, detectFormat, mapRecord, parseLine } from './import-mapping.js';

const seed003 = {
  id: '550e8400-e29b-41d4-a716-446655440000',
  timestamp: 1704067200,
  request: {
    endpoint: '/v1/chat/completions',
    method: 'POST',
    model: 'gpt-4o',
    stream: false,
    size_bytes: 256,
    message_count: 3,
    input_tokens: 42,
    user_agent: 'curl/7.64.1',
    client_ip: '192.168.1.100',
  },
  response: { status_code: 200, size_bytes: 512, output_tokens: 128, success: true, error_message: null },
  performance: { duration_ms: 1247, ttfb_ms: null, upstream_duration_ms: 1200 },
  auth: { authenticated: true, api_key_id: 'key_abc123', api_key_label: 'production-key', auth_method: 'bearer' },
  routing: {
    backend: 'openai',
    upstream_mode: 'chat',
    mcp_enabled: false,
    mcp_servers: [],
    system_prompt_applied: true,
  },
};

const seed002 = {
  timestamp: '2025-01-15T10:30:00',
  source_function: 'synthesize_answer',
  api_provider: 'gemini',
  api_type: 'generative',
  model: 'gemini-2.0-flash-exp',
  operation: 'chat_answer',
  input_tokens: 1000,
  output_tokens: 500,
  total_tokens: 1500,
  latency_ms: 1234.5,
  status: 'success',
  error_message: null,
  user_id: 'user123',
  session_id: 'session456',
  source_id: null,
  temperature: 0.2,
  max_tokens: 2048,
  additional_params: { top_p: 0.9 },
  cost_estimate: 0.00023,
};

const map = (format: 'seed002' | 'seed003' | 'tally', record: Record<string, unknown>) => {
  const r = mapRecord(format, record, JSON.stringify(record));
  if (!r.ok) throw new Error(r.reason);
  return r.event;
};

describe('parseLine', () => {
  it('names what is wrong with a line that is no JSON object', () => {
    expect(parseLine('{"a": 1')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not valid JSON/) });
    expect(parseLine('[1, 2]')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(parseLine('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
  });
});

describe('detectFormat', () => {
  it('tells seed 003, a Tally export and seed 002 apart', () => {
    expect(detectFormat(seed003)).toBe('seed003');
    expect(detectFormat({ id: 'x', project_id: 'default', timestamp: '2026-01-01T00:00:00Z' })).toBe('tally');
    expect(detectFormat(seed002)).toBe('seed002');
  });
});

describe('mapRecord seed003', () => {
  it('flattens the groups into CallEvent fields, seconds into ms, extras into metadata', () => {
    expect(map('seed003', seed003)).toEqual({
      id: seed003.id,
      timestamp: 1704067200000,
      endpoint: '/v1/chat/completions',
      method: 'POST',
      model: 'gpt-4o',
      stream: false,
      request_bytes: 256,
      message_count: 3,
      input_tokens: 42,
      user_agent: 'curl/7.64.1',
      client_ip: '192.168.1.100',
      status_code: 200,
      response_bytes: 512,
      output_tokens: 128,
      status: 'success',
      duration_ms: 1247,
      upstream_ms: 1200,
      api_key_id: 'key_abc123',
      api_key_label: 'production-key',
      backend: 'openai',
      upstream_mode: 'chat',
      metadata: {
        authenticated: true,
        auth_method: 'bearer',
        mcp_enabled: false,
        mcp_servers: [],
        system_prompt_applied: true,
      },
    });
  });

  it('maps a failed call to status error, ttfb to ttft_ms, and a missing model to api_type other', () => {
    const e = map('seed003', {
      ...seed003,
      request: { endpoint: '/v1/models' },
      response: { status_code: 502, success: false, error_message: 'upstream down' },
      performance: { duration_ms: 10, ttfb_ms: 4 },
    });
    expect(e).toMatchObject({ status: 'error', status_code: 502, error_message: 'upstream down', ttft_ms: 4 });
    expect(e['api_type']).toBe('other');
  });

  it('rejects a group that is no object and a timestamp that is no number', () => {
    expect(mapRecord('seed003', { ...seed003, response: 'ok' }, '')).toEqual({
      ok: false,
      reason: 'response: must be an object',
    });
    expect(mapRecord('seed003', { ...seed003, timestamp: true }, '')).toMatchObject({ ok: false });
    expect(mapRecord('seed003', { ...seed003, response: { success: 'yes' } }, '')).toMatchObject({ ok: false });
  });
});

describe('mapRecord seed002', () => {
  it('renames provider, latency and cost, drops nulls, keeps unknown fields, derives a stable id', () => {
    const line = JSON.stringify(seed002);
    const e = map('seed002', seed002);
    expect(e).toMatchObject({
      provider: 'gemini',
      duration_ms: 1234.5,
      cost_usd: 0.00023,
      timestamp: '2025-01-15T10:30:00',
      user_id: 'user123',
      additional_params: { top_p: 0.9 },
    });
    expect(e).not.toHaveProperty('error_message');
    expect(e).not.toHaveProperty('api_provider');
    expect(e['id']).toBe(derivedId(line));
    expect(derivedId(line)).toBe(derivedId(`${line}  `));
    expect(derivedId(line)).not.toBe(derivedId(line.replace('1000', '1001')));
    expect(map('seed002', { ...seed002, id: 'own-id' })['id']).toBe('own-id');
  });
});

describe('mapRecord tally', () => {
  it('drops server-decided fields and nulls, keeps a reported cost and drops a computed one', () => {
    const row = {
      id: 'call-1',
      project_id: 'default',
      timestamp: '2026-11-23T10:00:00.000Z',
      model: 'gpt-4o',
      trace_id: null,
      cost_usd: 0.5,
      cost_source: 'reported',
      price_model_id: null,
      ingest_source: 'api',
      ingested_at: '2026-11-23T10:00:01.000Z',
      tags: ['beta'],
      metadata: { team: 'search' },
    };
    expect(map('tally', row)).toEqual({
      id: 'call-1',
      timestamp: '2026-11-23T10:00:00.000Z',
      model: 'gpt-4o',
      cost_usd: 0.5,
      tags: ['beta'],
      metadata: { team: 'search' },
    });
    expect(map('tally', { ...row, cost_source: 'computed' })).not.toHaveProperty('cost_usd');
  });
});
