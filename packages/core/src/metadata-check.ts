import { LIMITS } from './limits.js';
import type { FieldError } from './field-errors.js';

/** Checks the depth, key count and serialized size limits of a metadata/attributes object. */
export function checkMetadata(value: Record<string, unknown>, path: string, errors: FieldError[]): void {
  let keys = 0;
  let tooDeep = false;
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || tooDeep) return;
    if (depth > LIMITS.metadataDepth) {
      tooDeep = true;
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
      return;
    }
    for (const k in v) {
      keys++;
      walk((v as Record<string, unknown>)[k], depth + 1);
    }
  };
  walk(value, 1);
  if (tooDeep) errors.push({ path, message: `must not be nested deeper than ${LIMITS.metadataDepth} levels` });
  if (keys > LIMITS.metadataKeys)
    errors.push({ path, message: `must not have more than ${LIMITS.metadataKeys} keys in all; got ${keys}` });
  if (!tooDeep && keys > 0 && JSON.stringify(value).length > LIMITS.metadataBytes) {
    errors.push({ path, message: `must not exceed ${LIMITS.metadataBytes} bytes once serialized` });
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
