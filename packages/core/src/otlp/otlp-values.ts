import type { AnyValue, KeyValue, Long } from './otlp-json.js';

/** An attribute value as plain JSON: strings, numbers, booleans, arrays and objects (bytes stay base64 text). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

/**
 * A 64-bit integer from JSON (decimal string or number) as a JS number; null when absent or not an integer.
 * Nanosecond times lose sub-microsecond precision, which Tally does not keep anyway.
 */
export function longValue(v: Long | undefined | null): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return null;
}

/** Epoch nanoseconds (OTLP's time unit) to epoch milliseconds, fractions kept; null when absent or zero. */
export function nanosToMs(v: Long | undefined | null): number | null {
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    // Split the digits so the division keeps microseconds exactly (the whole value exceeds 2^53).
    if (v.length <= 6) return Number(v) === 0 ? null : Number(v) / 1e6;
    const ms = Number(v.slice(0, -6)) + Number(v.slice(-6)) / 1e6;
    return ms === 0 ? null : ms;
  }
  const n = longValue(v);
  return n === null || n <= 0 ? null : n / 1e6;
}

export function anyValue(v: AnyValue | undefined | null): AttributeValue {
  if (v == null || typeof v !== 'object') return null;
  if (v.stringValue !== undefined) return typeof v.stringValue === 'string' ? v.stringValue : null;
  if (v.boolValue !== undefined) return typeof v.boolValue === 'boolean' ? v.boolValue : null;
  if (v.intValue !== undefined) return longValue(v.intValue);
  if (v.doubleValue !== undefined) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if (v.arrayValue !== undefined) return (Array.isArray(v.arrayValue?.values) ? v.arrayValue.values : []).map(anyValue);
  if (v.kvlistValue !== undefined) return attributes(v.kvlistValue?.values);
  if (v.bytesValue !== undefined) return typeof v.bytesValue === 'string' ? v.bytesValue : null;
  return null;
}

/** Key/value pairs as an object; later duplicates win; entries without a key are dropped. */
export function attributes(list: readonly KeyValue[] | undefined | null): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    // `__proto__` would replace the object's prototype rather than name an attribute.
    if (kv == null || typeof kv.key !== 'string' || kv.key === '' || kv.key === '__proto__') continue;
    out[kv.key] = anyValue(kv.value);
  }
  return out;
}

/** Lower-case hex id, or null when absent, empty, all zeros or not hex. */
export function hexId(v: unknown): string | null {
  if (typeof v !== 'string' || v === '' || !/^[0-9a-fA-F]+$/.test(v) || /^0+$/.test(v)) return null;
  return v.toLowerCase();
}
