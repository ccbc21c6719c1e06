/**
 * The dimensions a call can be filtered and grouped by: the same list as the API's (a unit test compares it with
 * @tally/core's, which the browser bundle does not load).
 */
export const DIMENSIONS = [
  'provider',
  'model',
  'api_type',
  'operation',
  'endpoint',
  'method',
  'status',
  'status_code',
  'error_type',
  'user_id',
  'session_id',
  'agent_name',
  'agent_version',
  'app_name',
  'source_id',
  'source_function',
  'environment',
  'api_key_id',
  'api_key_label',
  'backend',
  'upstream_mode',
  'ingest_source',
  'cost_source',
  'price_model_id',
] as const;

export type Dimension = (typeof DIMENSIONS)[number];

/** Names a filter can have in the URL and in API requests: a dimension, `tag`, or `metadata.<key>`. */
export function isFilterName(name: string): boolean {
  return (
    (DIMENSIONS as readonly string[]).includes(name) ||
    name === 'tag' ||
    (name.startsWith('metadata.') && name.length > 9)
  );
}

export const DIMENSION_LABELS: Partial<Record<string, string>> = {
  provider: 'Provider',
  model: 'Model',
  status: 'Status',
  error_type: 'Error type',
  user_id: 'User',
  session_id: 'Session',
  agent_name: 'Agent',
  agent_version: 'Agent version',
  app_name: 'App',
  environment: 'Environment',
  tag: 'Tag',
};

export const labelOf = (name: string): string =>
  DIMENSION_LABELS[name] ?? (name.startsWith('metadata.') ? `metadata ${name.slice(9)}` : name.replace(/_/g, ' '));
