import { v7 as uuidv7 } from 'uuid';
import { ajv } from './ajv.js';
import {
  AppLogInputSchema,
  LOG_LEVELS,
  type AppLog,
  type AppLogInput,
  type LogLevel,
  MetricPointInputSchema,
  type MetricPoint,
  type MetricPointInput,
} from './app-log.js';
import { fromAjvErrors, type FieldError } from './field-errors.js';
import { LIMITS } from './limits.js';
import { checkMetadata, isPlainObject } from './metadata-check.js';
import type { Prepared } from './prepare-call-event.js';
import { parseTimestamp } from './time.js';

const validateLog = ajv.compile(AppLogInputSchema);
const validateMetric = ajv.compile(MetricPointInputSchema);
const LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  WARN: 'WARNING',
  FATAL: 'CRITICAL',
  TRACE: 'DEBUG',
  ERR: 'ERROR',
};
const LOG_KNOWN = new Set(Object.keys(AppLogInputSchema.properties));

function optionalTime(value: unknown, now: number, errors: FieldError[]): number {
  if (value === undefined) return now;
  const ms = parseTimestamp(value);
  if (ms === null)
    errors.push({ path: 'timestamp', message: 'must be an ISO 8601 date-time or Unix epoch seconds/milliseconds' });
  else if (ms > now + LIMITS.futureSkewMs)
    errors.push({ path: 'timestamp', message: 'lies more than a day in the future' });
  return ms ?? now;
}

/** Validates one application log record (seed 004 levels; WARN/FATAL spellings accepted). */
export function prepareAppLog(raw: unknown, projectId: string, now: number): Prepared<AppLog> {
  if (!isPlainObject(raw)) return { ok: false, errors: [{ path: '(log)', message: 'must be a JSON object' }] };
  const errors = validateLog(raw) ? [] : fromAjvErrors(validateLog.errors ?? []);
  const e = raw as AppLogInput;
  if (e.message === undefined) errors.push({ path: 'message', message: 'is required' });
  const upper = typeof e.level === 'string' ? e.level.toUpperCase() : 'INFO';
  const level = (LOG_LEVELS as readonly string[]).includes(upper) ? (upper as LogLevel) : LEVEL_ALIASES[upper];
  if (!level)
    errors.push({ path: 'level', message: `must be one of ${LOG_LEVELS.join(', ')}; got ${String(e.level)}` });
  const timestamp = optionalTime(e.timestamp, now, errors);
  const attributes: Record<string, unknown> = isPlainObject(e.attributes) ? { ...e.attributes } : {};
  for (const key in raw) if (!LOG_KNOWN.has(key) && key !== 'project_id') attributes[key] = raw[key];
  checkMetadata(attributes, 'attributes', errors);
  if (errors.length > 0 || !level) return { ok: false, errors };
  return {
    ok: true,
    value: {
      id: e.id ?? uuidv7(),
      project_id: projectId,
      timestamp,
      level,
      message: e.message ?? '',
      logger: e.logger ?? null,
      service: e.service ?? null,
      trace_id: e.trace_id ?? null,
      attributes,
      ingested_at: now,
    },
  };
}

/** Validates one metric sample; a tag value must be a string, number or boolean. */
export function prepareMetricPoint(raw: unknown, projectId: string, now: number): Prepared<MetricPoint> {
  if (!isPlainObject(raw)) return { ok: false, errors: [{ path: '(metric)', message: 'must be a JSON object' }] };
  const errors = validateMetric(raw) ? [] : fromAjvErrors(validateMetric.errors ?? []);
  const e = raw as MetricPointInput;
  if (e.name === undefined) errors.push({ path: 'name', message: 'is required' });
  if (e.value === undefined) errors.push({ path: 'value', message: 'is required' });
  const timestamp = optionalTime(e.timestamp, now, errors);
  const tags = e.tags ?? {};
  if (Object.keys(tags).length > LIMITS.tagCount)
    errors.push({ path: 'tags', message: `must not have more than ${LIMITS.tagCount} keys` });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      id: e.id ?? uuidv7(),
      project_id: projectId,
      timestamp,
      name: e.name ?? '',
      value: e.value ?? 0,
      unit: e.unit ?? null,
      tags,
      ingested_at: now,
    },
  };
}
