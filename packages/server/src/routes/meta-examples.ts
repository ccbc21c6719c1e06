import { apiInfo } from './api-info.js';

/** Response examples of the meta routes (/, /health, /api/v1/status), shown in the OpenAPI document. */

export const root = apiInfo('0.1.0');

export const health = { status: 'healthy', timestamp: '2026-11-23T10:00:00.000Z', store: 'duckdb' };

export const status = {
  status: 'operational',
  version: '0.1.0',
  uptime_seconds: 86412,
  store: { kind: 'duckdb' },
  auth: { mode: 'protected' },
  ingest: { pending_records: 0 },
  query_cache: { hits: 1832, misses: 412, ttl_seconds: 10 },
  memory: { rss_bytes: 226582528, heap_used_bytes: 50571824, external_bytes: 4601824 },
};
