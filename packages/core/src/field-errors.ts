import type { ErrorObject } from 'ajv';

/** One reason an input was rejected: the JSON path of the field and what was wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/** `/tags/3` → `tags[3]`, `/metadata/a` → `metadata.a`. */
export function jsonPointerToPath(pointer: string, prefix = ''): string {
  let out = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out ? `.${part}` : part;
  }
  return out;
}

const HINTS: Readonly<Record<string, string>> = {
  timestamp: 'must be an ISO 8601 string or Unix epoch seconds/milliseconds',
  end_time: 'must be an ISO 8601 string or Unix epoch seconds/milliseconds',
};

/**
 * Turns Ajv's errors into one message per field. Ajv reports every branch of a union separately; a user wants
 * one sentence per field, so union branches collapse into the field's hint or its list of allowed values.
 */
export function fromAjvErrors(errors: readonly ErrorObject[], prefix = ''): FieldError[] {
  const byPath = new Map<string, string>();
  for (const e of errors) {
    const path = jsonPointerToPath(e.instancePath, prefix) || prefix || '(body)';
    const field = e.instancePath.split('/').pop() ?? '';
    if (e.keyword === 'anyOf') {
      const allowed = errors
        .filter((o) => o.instancePath === e.instancePath && o.keyword === 'const')
        .map((o) => String((o.params as { allowedValue: unknown }).allowedValue));
      byPath.set(
        path,
        allowed.length ? `must be one of ${allowed.join(', ')}` : (HINTS[field] ?? 'has the wrong type'),
      );
      continue;
    }
    if (byPath.has(path) || e.keyword === 'const') continue;
    byPath.set(path, e.message ?? 'is invalid');
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path} ${e.message}`).join('; ');
}
