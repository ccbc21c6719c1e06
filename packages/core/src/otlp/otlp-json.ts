/**
 * OTLP requests in their JSON shape (opentelemetry-proto's JSON mapping: lowerCamelCase keys, trace and span ids as
 * hex strings, enums as integers, 64-bit integers as decimal strings or numbers). Protobuf bodies are decoded into
 * this same shape, so the mapping to Tally's records is written once. Every field is optional: senders leave out
 * defaults, and the mapping checks what it reads.
 */

export type Long = string | number;

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Long;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  /** Base64 in JSON. */
  bytesValue?: string;
}

export interface KeyValue {
  key?: string;
  value?: AnyValue;
}

export interface Resource {
  attributes?: KeyValue[];
}

export interface Scope {
  name?: string;
  version?: string;
  attributes?: KeyValue[];
}

export interface SpanEvent {
  timeUnixNano?: Long;
  name?: string;
  attributes?: KeyValue[];
}

export interface SpanStatus {
  /** 0 unset, 1 ok, 2 error. */
  code?: number;
  message?: string;
}

export interface Span {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: number;
  startTimeUnixNano?: Long;
  endTimeUnixNano?: Long;
  attributes?: KeyValue[];
  events?: SpanEvent[];
  status?: SpanStatus;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: { resource?: Resource; scopeSpans?: { scope?: Scope; spans?: Span[] }[] }[];
}

export interface LogRecord {
  timeUnixNano?: Long;
  observedTimeUnixNano?: Long;
  /** 1–24: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24. */
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: { resource?: Resource; scopeLogs?: { scope?: Scope; logRecords?: LogRecord[] }[] }[];
}

export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Long;
  timeUnixNano?: Long;
  asDouble?: number;
  asInt?: Long;
}

export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Long;
  timeUnixNano?: Long;
  count?: Long;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: Long[];
  explicitBounds?: number[];
}

export interface Metric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberDataPoint[] };
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
  summary?: { dataPoints?: { attributes?: KeyValue[]; timeUnixNano?: Long; count?: Long; sum?: number }[] };
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: { resource?: Resource; scopeMetrics?: { scope?: Scope; metrics?: Metric[] }[] }[];
}

/** What an export answers: nothing on full success, or how many items were rejected and why. */
export interface ExportPartialSuccess {
  rejectedSpans?: number;
  rejectedLogRecords?: number;
  rejectedDataPoints?: number;
  errorMessage?: string;
}
