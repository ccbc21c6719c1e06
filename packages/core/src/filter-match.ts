import type { CallEvent } from './call-event.js';
import { CONTENT_FIELDS, DIMENSIONS, type Filter } from './query-spec.js';

const DIMENSION_SET = new Set<string>(DIMENSIONS);
const CONTENT_SET = new Set<string>(CONTENT_FIELDS);
const METADATA = 'metadata.';

/**
 * Whether a call passes every filter, decided in memory exactly as the store's SQL decides it (query-compiler's
 * filter conditions), so that a live view and a stored query of the same filters agree call for call:
 *
 * - a dimension is compared as text (`status_code` 200 is "200"); a null value matches no `eq`/`in` and every
 *   `neq`/`not_in`, and is `absent`;
 * - `tag` matches when any of the call's tags is among the values; `neq`/`not_in` keep calls carrying none of them;
 *   `present` holds whenever the call has a tag list, even an empty one (the column is never null for stored calls);
 * - `metadata.<key>` compares the top-level key as the store's JSON text: strings as they are, numbers, booleans,
 *   objects and arrays as compact JSON (exponents written `1e21`, not `1e+21`); a missing key and a JSON null are
 *   both null;
 * - `input_text`/`output_text` only take `present`/`absent`: a non-empty text was stored, or not.
 *
 * An unknown field or an operator a field does not take throws, as the store does.
 */
export function callMatches(call: CallEvent, filters: readonly Filter[]): boolean {
  for (const f of filters) if (!filterMatches(call, f)) return false;
  return true;
}

function filterMatches(call: CallEvent, f: Filter): boolean {
  if (CONTENT_SET.has(f.field)) {
    if (f.op !== 'present' && f.op !== 'absent') throw new Error(`${f.field} can only be tested for presence`);
    const text = call[f.field as (typeof CONTENT_FIELDS)[number]];
    const has = text !== null && text !== undefined && text !== '';
    return f.op === 'present' ? has : !has;
  }
  if (f.field === 'tag') return tagMatches(call.tags, f);
  let text: string | null;
  if (f.field.startsWith(METADATA)) text = metadataText(call.metadata, f.field.slice(METADATA.length));
  else if (DIMENSION_SET.has(f.field)) text = dimensionText(call[f.field as keyof CallEvent]);
  else throw new Error(`cannot filter on ${f.field}`);
  switch (f.op) {
    case 'present':
      return text !== null;
    case 'absent':
      return text === null;
    case 'eq':
    case 'in':
      return text !== null && f.values.includes(text);
    case 'neq':
    case 'not_in':
      return text === null || !f.values.includes(text);
  }
}

function tagMatches(tags: readonly string[] | null | undefined, f: Filter): boolean {
  // SQL: `tags IS NOT NULL AND list_contains(tags, NULL) IS NOT TRUE`; list_contains(…, NULL) is always NULL.
  if (f.op === 'present') return tags !== null && tags !== undefined;
  if (f.op === 'absent') return tags === null || tags === undefined;
  const any = (tags ?? []).some((t) => f.values.includes(t));
  return f.op === 'eq' || f.op === 'in' ? any : !any;
}

/** A dimension as `CAST(column AS VARCHAR)` writes it. */
function dimensionText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

/** A top-level metadata key as the store's `json_extract_string` reads it back. */
function metadataText(metadata: Record<string, unknown> | null | undefined, key: string): string | null {
  if (!metadata || !Object.hasOwn(metadata, key)) return null;
  const value = metadata[key];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? storedJson(JSON.stringify(value)) : null;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return storedJson(JSON.stringify(value));
  // Functions, symbols and bigints cannot be stored as JSON; the store would not hold them either.
  return null;
}

/** JSON strings or numbers whose exponent has a plus sign; strings are matched so that their text is left alone. */
const STRING_OR_PLUS_EXPONENT = /"(?:[^"\\]|\\.)*"|(\d[eE])\+(?=\d)/g;

/**
 * JSON text as the store writes it back: the same as JSON.stringify's, except that numbers with a positive exponent
 * lose the `+` (JavaScript writes 1e+21, the store 1e21).
 */
function storedJson(json: string): string {
  return json.includes('+') ? json.replace(STRING_OR_PLUS_EXPONENT, (m, mantissa?: string) => mantissa ?? m) : json;
}
