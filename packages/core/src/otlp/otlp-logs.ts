import { v5 as uuidv5 } from 'uuid';
import type { AppLog, LogLevel } from '../app-log.js';
import { LIMITS } from '../limits.js';
import { prepareAppLog } from '../prepare-app-log.js';
import type { AnyValue, ExportLogsServiceRequest, LogRecord } from './otlp-json.js';
import { anyValue, attributes, hexId, nanosToMs, type AttributeValue } from './otlp-values.js';

/**
 * OpenTelemetry log records to Tally application logs.
 *
 * - level: severityNumber (TRACE and DEBUG → DEBUG, INFO, WARN → WARNING, ERROR, FATAL → CRITICAL), else
 *   severityText, else INFO.
 * - message: the body; a structured body (map, array, number, boolean) is stored as its JSON text. A record
 *   without a body takes its event name, or an empty message.
 * - service: the resource's `service.name`; logger: the instrumentation scope's name; trace_id: the trace id.
 * - attributes: the record's own attributes at the top level, the resource's under `resource` (an object), and
 *   `span_id`, `severity_text`, `event_name` when the record has them. A record attribute of the same name wins.
 *   Values nested deeper than the attributes limit allows are kept as JSON text.
 * - timestamp: timeUnixNano, else observedTimeUnixNano, else the time of arrival.
 *
 * Each log gets an id derived from its content, so an exporter that retries a request does not store it twice.
 * Validation and limits are prepareAppLog's, as for logs sent to the REST API.
 */

export interface LogMapping {
  logs: AppLog[];
  /** Log records in the request. */
  records: number;
  /** Records that could not be stored, and why (the first few reasons). */
  rejected: number;
  errors: string[];
}

const MAX_REASONS = 5;
/** The UUID namespace of log ids derived from OTLP records. */
const LOG_ID_NAMESPACE = '5b0f6c3e-8d2a-4c71-9f4e-2a7d3b9c1e60';
/** Epoch milliseconds below this (early 1973) are not a plausible time for a log. */
const EARLIEST_MS = 1e11;

const LEVEL_BY_TEXT: Readonly<Record<string, LogLevel>> = {
  TRACE: 'DEBUG',
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  INFORMATION: 'INFO',
  NOTICE: 'INFO',
  WARN: 'WARNING',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
  ERR: 'ERROR',
  FATAL: 'CRITICAL',
  CRITICAL: 'CRITICAL',
  ALERT: 'CRITICAL',
  EMERGENCY: 'CRITICAL',
};

/** The log level of a record; severityNumber ranges are TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24. */
export function logLevel(severityNumber: unknown, severityText: unknown): LogLevel {
  if (typeof severityNumber === 'number' && severityNumber >= 1 && severityNumber <= 24) {
    if (severityNumber <= 8) return 'DEBUG';
    if (severityNumber <= 12) return 'INFO';
    if (severityNumber <= 16) return 'WARNING';
    if (severityNumber <= 20) return 'ERROR';
    return 'CRITICAL';
  }
  if (typeof severityText === 'string') {
    // "WARN2", "error" and "Information" are all seen in the wild.
    const word = severityText.trim().toUpperCase().replace(/\d+$/, '');
    const level = LEVEL_BY_TEXT[word];
    if (level) return level;
  }
  return 'INFO';
}

function message(body: AnyValue | undefined, eventName: unknown): string {
  const value = body === undefined ? null : anyValue(body);
  const text =
    value === null
      ? typeof eventName === 'string'
        ? eventName
        : ''
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  return text.length > LIMITS.contentText ? text.slice(0, LIMITS.contentText) : text;
}

/** How deep a value nests: 0 for a scalar, 1 for a flat array or map. */
function depthOf(v: AttributeValue): number {
  if (v === null || typeof v !== 'object') return 0;
  let max = 0;
  for (const item of Array.isArray(v) ? v : Object.values(v)) max = Math.max(max, depthOf(item));
  return max + 1;
}

/**
 * Attribute values nested deeper than `levels` become JSON text, so a deeply structured attribute is kept, as
 * text, rather than the log being rejected over the attributes' nesting limit.
 */
function within(attrs: Record<string, AttributeValue>, levels: number): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = depthOf(v) > levels ? JSON.stringify(v) : v;
  return out;
}

const cut = (v: AttributeValue | undefined): string | undefined =>
  typeof v === 'string' && v !== '' ? v.slice(0, LIMITS.shortString) : undefined;

/** The record as prepareAppLog's input, or why it cannot be used. */
function toInput(
  record: LogRecord,
  resource: Record<string, AttributeValue>,
  scope: string | undefined,
): Record<string, unknown> | string {
  const time = nanosToMs(record.timeUnixNano) ?? nanosToMs(record.observedTimeUnixNano);
  if (time !== null && time < EARLIEST_MS) return 'timeUnixNano is not a plausible time (before 1973)';
  const extra: Record<string, unknown> = {};
  // Of LIMITS.metadataDepth, the attributes object is level 1, a record attribute's value 2, `resource`'s values 3.
  if (Object.keys(resource).length > 0) extra['resource'] = within(resource, LIMITS.metadataDepth - 2);
  const spanId = hexId(record.spanId);
  if (spanId) extra['span_id'] = spanId;
  if (typeof record.severityText === 'string' && record.severityText !== '')
    extra['severity_text'] = record.severityText;
  if (typeof record.eventName === 'string' && record.eventName !== '') extra['event_name'] = record.eventName;
  const input: Record<string, unknown> = {
    id: uuidv5(JSON.stringify([resource, scope ?? null, record]), LOG_ID_NAMESPACE),
    level: logLevel(record.severityNumber, record.severityText),
    message: message(record.body, record.eventName),
    attributes: { ...extra, ...within(attributes(record.attributes), LIMITS.metadataDepth - 1) },
  };
  if (time !== null) input['timestamp'] = time;
  const service = cut(resource['service.name']);
  if (service) input['service'] = service;
  if (scope) input['logger'] = scope;
  const traceId = hexId(record.traceId);
  if (traceId) input['trace_id'] = traceId;
  return input;
}

/** Maps one export request; one bad record never costs the others. */
export function mapLogs(req: ExportLogsServiceRequest, projectId: string, now: number): LogMapping {
  const out: LogMapping = { logs: [], records: 0, rejected: 0, errors: [] };
  const reject = (index: number, why: string) => {
    out.rejected++;
    if (out.errors.length < MAX_REASONS) out.errors.push(`log record ${index}: ${why}`);
  };
  for (const rl of Array.isArray(req?.resourceLogs) ? req.resourceLogs : []) {
    const resource = attributes(rl?.resource?.attributes);
    for (const sl of Array.isArray(rl?.scopeLogs) ? rl.scopeLogs : []) {
      const scope = cut(sl?.scope?.name);
      for (const record of Array.isArray(sl?.logRecords) ? sl.logRecords : []) {
        const index = out.records++;
        if (record == null || typeof record !== 'object' || Array.isArray(record)) {
          reject(index, 'is not an object');
          continue;
        }
        const input = toInput(record, resource, scope);
        if (typeof input === 'string') {
          reject(index, input);
          continue;
        }
        const prepared = prepareAppLog(input, projectId, now);
        if (prepared.ok) out.logs.push(prepared.value);
        else reject(index, prepared.errors.map((e) => `${e.path} ${e.message}`).join('; '));
      }
    }
  }
  return out;
}
