export * from './limits.js';
export * from './time.js';
export * from './call-event.js';
export * from './app-log.js';
export * from './field-errors.js';
export * from './prepare-call-event.js';
export * from './prepare-app-log.js';
export * from './usage.js';
export * from './usage-openai.js';
export * from './usage-anthropic.js';
export * from './usage-gemini.js';
export * from './usage-detect.js';
export * from './pricing.js';
export * from './redaction.js';
export * from './query-spec.js';
export * from './filter-match.js';
export * from './zoned-time.js';
export * from './agent-run.js';
export * from './otlp/otlp-traces.js';
export * from './otlp/otlp-values.js';
export * from './otlp/otlp-logs.js';
export * from './otlp/otlp-metrics.js';
// The OTLP JSON shapes, as a namespace: their `Metric` would clash with the query vocabulary's.
export type * as Otlp from './otlp/otlp-json.js';
export type {
  ExportTraceServiceRequest,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportPartialSuccess,
} from './otlp/otlp-json.js';
