/** What `GET /` answers to API clients: what this server is and where its routes are. */
export function apiInfo(version: string) {
  return {
    name: 'Tally',
    description: 'Self-hosted LLM usage analytics and observability',
    version,
    documentation: '/docs',
    openapi: '/docs/json',
    health: '/health',
    status: '/api/v1/status',
    ingest: {
      llm: 'POST /api/v1/ingest/llm',
      llm_bulk: 'POST /api/v1/ingest/llm/bulk',
      app_logs: 'POST /api/v1/ingest/app',
      metrics: 'POST /api/v1/ingest/metrics',
    },
    analytics: {
      summary: '/api/v1/analytics/summary',
      timeseries: '/api/v1/analytics/timeseries',
      breakdown: '/api/v1/analytics/breakdown?by=model',
      latency: '/api/v1/analytics/latency',
      errors: '/api/v1/analytics/errors',
      events: '/api/v1/analytics/events',
      export: '/api/v1/export?format=csv',
    },
    projects: '/api/v1/projects',
  };
}
