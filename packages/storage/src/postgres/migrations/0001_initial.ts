import type { Migration } from './migration.js';

/**
 * Every text column compares byte by byte (COLLATE "C"), whatever the database's default collation: ids page and
 * export in the same order, and groups sort the same way, as in Tally's other backends.
 */
const T = 'text COLLATE "C"';
const TIME = 'timestamptz';

/**
 * An event table partitioned by month of its start time. The key (project_id, id, timestamp) is what makes two
 * records the same record, and holds the partition key as PostgreSQL requires. The DEFAULT partition catches rows
 * of a month whose partition does not exist (see postgres-partitions.ts).
 */
function eventTable(name: string, columns: string): string[] {
  return [
    `CREATE TABLE ${name} (${columns},
       PRIMARY KEY (project_id, id, "timestamp")) PARTITION BY RANGE ("timestamp")`,
    `CREATE TABLE ${name}_default PARTITION OF ${name} DEFAULT`,
    // Pages of events and logs, exports and the analytics of one project over a time range.
    `CREATE INDEX ${name}_project_time ON ${name} (project_id, "timestamp", id)`,
  ];
}

/** The first schema: events, agent runs, projects, keys, prices, settings, budgets and alerts. */
export const initial: Migration = {
  id: '0001_initial',
  sql: [
    ...eventTable(
      'calls',
      `id ${T} NOT NULL, project_id ${T} NOT NULL, trace_id ${T}, span_id ${T}, parent_span_id ${T},
       "timestamp" ${TIME} NOT NULL, end_time ${TIME}, duration_ms double precision, ttft_ms double precision,
       provider ${T}, model ${T}, api_type ${T}, operation ${T}, endpoint ${T}, method ${T}, stream boolean,
       input_tokens bigint, output_tokens bigint, total_tokens bigint, cache_read_tokens bigint,
       cache_write_tokens bigint, reasoning_tokens bigint, cost_usd double precision, cost_source ${T} NOT NULL,
       price_model_id ${T}, status ${T} NOT NULL, status_code bigint, error_type ${T}, error_message ${T},
       user_id ${T}, session_id ${T}, agent_name ${T}, agent_version ${T}, app_name ${T}, source_id ${T},
       source_function ${T}, environment ${T}, tags text[] COLLATE "C", temperature double precision, max_tokens bigint,
       message_count bigint, request_bytes bigint, response_bytes bigint, upstream_ms double precision,
       api_key_id ${T}, api_key_label ${T}, client_ip ${T}, user_agent ${T}, backend ${T}, upstream_mode ${T},
       input_text ${T}, output_text ${T}, ingest_source ${T} NOT NULL, ingested_at ${TIME} NOT NULL,
       metadata json,
       inherited smallint NOT NULL DEFAULT 0`,
    ),
    // Linking calls to agent runs looks calls up by trace.
    `CREATE INDEX calls_trace ON calls (project_id, trace_id, "timestamp") WHERE trace_id IS NOT NULL`,
    ...eventTable(
      'app_logs',
      `id ${T} NOT NULL, project_id ${T} NOT NULL, "timestamp" ${TIME} NOT NULL, level ${T} NOT NULL,
       message ${T} NOT NULL, logger ${T}, service ${T}, trace_id ${T}, attributes json,
       ingested_at ${TIME} NOT NULL`,
    ),
    ...eventTable(
      'metric_points',
      `id ${T} NOT NULL, project_id ${T} NOT NULL, "timestamp" ${TIME} NOT NULL, name ${T} NOT NULL,
       value double precision NOT NULL, unit ${T}, tags json, ingested_at ${TIME} NOT NULL`,
    ),
    ...eventTable(
      'agent_runs',
      `id ${T} NOT NULL, project_id ${T} NOT NULL, trace_id ${T} NOT NULL, parent_span_id ${T},
       "timestamp" ${TIME} NOT NULL, end_time ${TIME}, duration_ms double precision, agent_name ${T},
       agent_id ${T}, agent_version ${T}, session_id ${T}, user_id ${T}, app_name ${T}, environment ${T},
       status ${T} NOT NULL, error_type ${T}, error_message ${T}, input_tokens bigint, output_tokens bigint,
       cost_usd double precision, ingest_source ${T} NOT NULL, ingested_at ${TIME} NOT NULL, metadata json`,
    ),
    `CREATE INDEX agent_runs_trace ON agent_runs (project_id, trace_id, "timestamp")`,
    `CREATE TABLE projects (id ${T} PRIMARY KEY, name ${T} NOT NULL, description ${T},
       capture_policy ${T} NOT NULL, created_at ${TIME} NOT NULL, retention_days integer, max_events bigint)`,
    `CREATE TABLE api_keys (id ${T} PRIMARY KEY, project_id ${T} NOT NULL, name ${T}, scope ${T} NOT NULL,
       key_hash ${T} NOT NULL UNIQUE, prefix ${T} NOT NULL, created_at ${TIME} NOT NULL, revoked_at ${TIME})`,
    `CREATE INDEX api_keys_project ON api_keys (project_id)`,
    `CREATE TABLE price_overrides (id ${T} PRIMARY KEY, project_id ${T} NOT NULL, model ${T} NOT NULL,
       provider ${T}, effective_from ${T} NOT NULL, input_per_mtok double precision NOT NULL,
       output_per_mtok double precision NOT NULL, cache_read_per_mtok double precision,
       cache_write_per_mtok double precision, created_at ${TIME} NOT NULL)`,
    `CREATE TABLE settings (name ${T} PRIMARY KEY, value ${T} NOT NULL)`,
    `CREATE TABLE budgets (id ${T} PRIMARY KEY, project_id ${T} NOT NULL, name ${T} NOT NULL, metric ${T} NOT NULL,
       "limit" double precision NOT NULL, period ${T} NOT NULL, window_hours bigint, tz ${T} NOT NULL,
       user_id ${T}, agent_name ${T}, api_key_id ${T}, model ${T}, thresholds json NOT NULL, hard boolean NOT NULL,
       created_at ${TIME} NOT NULL, updated_at ${TIME} NOT NULL)`,
    `CREATE TABLE alert_rules (id ${T} PRIMARY KEY, project_id ${T} NOT NULL, name ${T} NOT NULL,
       metric ${T} NOT NULL, window_minutes bigint NOT NULL, comparison ${T} NOT NULL,
       threshold double precision NOT NULL, model ${T}, provider ${T}, agent_name ${T}, enabled boolean NOT NULL,
       state ${T} NOT NULL, state_since ${TIME}, last_value double precision, last_evaluated_at ${TIME},
       created_at ${TIME} NOT NULL, updated_at ${TIME} NOT NULL)`,
    `CREATE TABLE webhooks (id ${T} PRIMARY KEY, project_id ${T} NOT NULL, url ${T} NOT NULL, secret ${T} NOT NULL,
       description ${T}, enabled boolean NOT NULL, created_at ${TIME} NOT NULL)`,
    // `pending` mirrors "a delivery is still pending", so that the notifier finds unfinished work without JSON.
    `CREATE TABLE notifications (id ${T} NOT NULL, project_id ${T} NOT NULL, source ${T} NOT NULL,
       source_id ${T} NOT NULL, event ${T} NOT NULL, dedupe_key ${T} PRIMARY KEY, payload json NOT NULL,
       created_at ${TIME} NOT NULL, deliveries json NOT NULL, pending boolean NOT NULL)`,
    `CREATE INDEX notifications_project ON notifications (project_id, created_at)`,
    `CREATE INDEX notifications_pending ON notifications (created_at) WHERE pending`,
  ],
};
