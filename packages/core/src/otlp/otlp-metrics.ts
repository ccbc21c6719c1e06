import { v5 as uuidv5 } from 'uuid';
import type { MetricPoint } from '../app-log.js';
import { LIMITS } from '../limits.js';
import { prepareMetricPoint } from '../prepare-app-log.js';
import type { ExportMetricsServiceRequest, KeyValue, Long, Metric } from './otlp-json.js';
import { attributes, longValue, nanosToMs, type AttributeValue } from './otlp-values.js';

/**
 * OpenTelemetry metric data points to Tally metric samples.
 *
 * - gauge and sum: one sample per data point, the value asDouble or asInt. A cumulative sum is stored as sent
 *   (the running total), a delta sum as the delta.
 * - histogram, exponential histogram and summary: two samples per data point, `<name>.count` and `<name>.sum`
 *   (a histogram without a sum gives only the count).
 * - tags: the data point's attributes (maps and arrays as JSON text, strings cut to the tag limit) and the
 *   resource's `service.name` unless the point has its own. unit: the metric's, except on `.count` samples,
 *   which are plain counts.
 *
 * Each sample gets an id derived from its content, so an exporter that retries a request does not store it
 * twice. Validation and limits are prepareMetricPoint's, as for samples sent to the REST API.
 */

export interface MetricMapping {
  metrics: MetricPoint[];
  /** OTLP data points in the request (a histogram point counts once, though it gives two samples). */
  dataPoints: number;
  /** Data points that could not be stored, and why (the first few reasons). */
  rejected: number;
  errors: string[];
}

const MAX_REASONS = 5;
/** The UUID namespace of sample ids derived from OTLP data points. */
const METRIC_ID_NAMESPACE = '0e8d4a57-3b6c-4f19-a2d0-7c5e9b1f4a83';
/** Epoch milliseconds below this (early 1973) are not a plausible time for a sample. */
const EARLIEST_MS = 1e11;

type Tags = Record<string, string | number | boolean>;

interface Sample {
  name: string;
  value: number;
  unit: string | undefined;
}

interface AnyPoint {
  attributes?: KeyValue[];
  timeUnixNano?: Long;
  asDouble?: number;
  asInt?: Long;
  count?: Long;
  sum?: number;
}

type Shape = 'number' | 'distribution';

/** The data points of a metric and how to read them, or null when it has none of the known kinds. */
function pointsOf(m: Metric): { points: unknown[]; shape: Shape; hasSumField: boolean } | null {
  const list = (v: { dataPoints?: unknown[] } | undefined) => (Array.isArray(v?.dataPoints) ? v.dataPoints : []);
  if (m.gauge) return { points: list(m.gauge), shape: 'number', hasSumField: false };
  if (m.sum) return { points: list(m.sum), shape: 'number', hasSumField: false };
  if (m.histogram) return { points: list(m.histogram), shape: 'distribution', hasSumField: true };
  if (m.exponentialHistogram) return { points: list(m.exponentialHistogram), shape: 'distribution', hasSumField: true };
  if (m.summary) return { points: list(m.summary), shape: 'distribution', hasSumField: false };
  return null;
}

function numberValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  // JSON senders may write a double as a string ("NaN", "Infinity" or digits).
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The samples of one data point, or why it has none. */
function samples(p: AnyPoint, name: string, unit: string | undefined, shape: Shape, optionalSum: boolean) {
  if (shape === 'number') {
    if (p.asDouble !== undefined && p.asDouble !== null) {
      const value = numberValue(p.asDouble);
      return value === null ? 'asDouble is not a finite number' : [{ name, value, unit }];
    }
    if (p.asInt !== undefined && p.asInt !== null) {
      const value = longValue(p.asInt);
      return value === null ? 'asInt is not an integer' : [{ name, value, unit }];
    }
    return 'has no value (asDouble or asInt)';
  }
  // count is a fixed64 that senders leave out when it is 0; a summary's sum is a plain double, also left out at 0.
  const count = p.count === undefined || p.count === null ? 0 : longValue(p.count);
  if (count === null || count < 0) return 'count is not a whole number';
  const out: Sample[] = [{ name: `${name}.count`, value: count, unit: undefined }];
  if (p.sum !== undefined && p.sum !== null) {
    const sum = numberValue(p.sum);
    if (sum === null) return 'sum is not a finite number';
    out.push({ name: `${name}.sum`, value: sum, unit });
  } else if (!optionalSum) out.push({ name: `${name}.sum`, value: 0, unit });
  return out;
}

function tagValue(v: AttributeValue): string | number | boolean | undefined {
  if (v === null) return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.slice(0, LIMITS.shortString);
}

function tagsOf(point: Record<string, AttributeValue>, service: AttributeValue | undefined): Tags {
  const tags: Tags = {};
  for (const [k, v] of Object.entries(point)) {
    const t = tagValue(v);
    if (t !== undefined) tags[k] = t;
  }
  if (typeof service === 'string' && service !== '' && !('service.name' in tags))
    tags['service.name'] = service.slice(0, LIMITS.shortString);
  return tags;
}

/** Maps one export request; one bad data point never costs the others. */
export function mapMetrics(req: ExportMetricsServiceRequest, projectId: string, now: number): MetricMapping {
  const out: MetricMapping = { metrics: [], dataPoints: 0, rejected: 0, errors: [] };
  const reject = (what: string, why: string, points = 1) => {
    out.rejected += points;
    if (out.errors.length < MAX_REASONS) out.errors.push(`${what}: ${why}`);
  };
  for (const rm of Array.isArray(req?.resourceMetrics) ? req.resourceMetrics : []) {
    const resourceAttrs = attributes(rm?.resource?.attributes);
    const service = resourceAttrs['service.name'];
    for (const sm of Array.isArray(rm?.scopeMetrics) ? rm.scopeMetrics : []) {
      for (const metric of Array.isArray(sm?.metrics) ? sm.metrics : []) {
        if (metric == null || typeof metric !== 'object') {
          out.dataPoints++;
          reject('metric', 'is not an object');
          continue;
        }
        const kind = pointsOf(metric);
        const name = typeof metric.name === 'string' ? metric.name : '';
        const what = `metric ${name === '' ? '(no name)' : name}`;
        if (kind === null) {
          out.dataPoints++;
          reject(what, 'has no gauge, sum, histogram, exponentialHistogram or summary data');
          continue;
        }
        out.dataPoints += kind.points.length;
        if (name === '') {
          reject(what, 'has no name', kind.points.length);
          continue;
        }
        const unit = typeof metric.unit === 'string' && metric.unit !== '' ? metric.unit : undefined;
        for (const raw of kind.points) {
          if (raw == null || typeof raw !== 'object') {
            reject(what, 'a data point is not an object');
            continue;
          }
          const point = raw as AnyPoint;
          const made = samples(point, name, unit, kind.shape, kind.hasSumField);
          if (typeof made === 'string') {
            reject(what, `a data point ${made}`);
            continue;
          }
          const time = nanosToMs(point.timeUnixNano);
          if (time !== null && time < EARLIEST_MS) {
            reject(what, 'a data point timeUnixNano is not a plausible time (before 1973)');
            continue;
          }
          const tags = tagsOf(attributes(point.attributes), service);
          const key = JSON.stringify([resourceAttrs, sm?.scope?.name ?? null, name, point]);
          const prepared = made.map((s) =>
            prepareMetricPoint(
              {
                id: uuidv5(`${key}${s.name}`, METRIC_ID_NAMESPACE),
                name: s.name,
                value: s.value,
                ...(s.unit !== undefined && { unit: s.unit }),
                ...(time !== null && { timestamp: time }),
                tags,
              },
              projectId,
              now,
            ),
          );
          const failed = prepared.find((p) => !p.ok);
          if (failed && !failed.ok) {
            reject(what, failed.errors.map((e) => `${e.path} ${e.message}`).join('; '));
            continue;
          }
          for (const p of prepared) if (p.ok) out.metrics.push(p.value);
        }
      }
    }
  }
  return out;
}
