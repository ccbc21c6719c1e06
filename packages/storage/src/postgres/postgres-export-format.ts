import type { Column } from '../columns.js';

/**
 * Writes exported rows byte for byte as the DuckDB store's export does (duckdb-export.ts, where DuckDB's COPY
 * formats them), so that a file does not depend on the backend it came from. The rules were read off DuckDB's
 * output and are checked against it by postgres-export.test.ts:
 * - doubles: the shortest text that reads back as the same number; CSV writes them as Python's repr does
 *   (positional for exponents -4 to 15, `1e-05`, `1e+16`), JSON as JavaScript does (positional for exponents -6
 *   to 20, `1e-7`, `1e21`), both with `.0` on whole numbers;
 * - times: ISO 8601 UTC with milliseconds, the year without a sign or padding beyond four digits;
 * - CSV (RFC 4180, CRLF): a text is quoted when it is empty or holds a line break, a quote, a comma or `#`;
 *   NULL is an empty field; tags are a JSON list, metadata its JSON text;
 * - JSON: control characters escaped with upper-case hex (`\u001B`); tags a list; metadata as DuckDB renders the
 *   JSON it stored: the client's text (keys in their order, numbers as written) but for those two spellings,
 *   `\u001B` and `1e21` rather than `\u001b` and `1e+21`.
 */

/** A row as read for an export: times in epoch ms, `metadata` as its JSON text. */
export type ExportRow = Record<string, unknown>;

function digitsOf(x: number): { neg: boolean; digits: string; exp: number } {
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return { neg: x < 0, digits: mantissa.replace('-', '').replace('.', ''), exp: Number(exponent) };
}

function positional(digits: string, exp: number): string {
  if (exp < 0) return `0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function scientific(digits: string, exp: number, expDigits: number, plus: boolean): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const sign = exp < 0 ? '-' : plus ? '+' : '';
  return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(expDigits, '0')}`;
}

/** A double as DuckDB's CSV writer prints it. */
export function csvDouble(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const { neg, digits, exp } = digitsOf(x);
  const text = exp >= -4 && exp < 16 ? positional(digits, exp) : scientific(digits, exp, 2, true);
  return neg ? `-${text}` : text;
}

/** A double as DuckDB's JSON writer prints it. */
export function jsonDouble(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(x)) return 'null';
  const { neg, digits, exp } = digitsOf(x);
  const text = exp >= -6 && exp < 21 ? positional(digits, exp) : scientific(digits, exp, 1, false);
  return neg ? `-${text}` : text;
}

/** A JSON string as DuckDB writes it: JSON.stringify's escapes, with upper-case hex in `\u00XX`. */
export function jsonString(s: string): string {
  return jsonEscapes(JSON.stringify(s));
}

/**
 * Stored JSON text (as JSON.stringify wrote it) as DuckDB writes it back: hex escapes in strings upper-cased, and
 * exponents without a plus sign, and nothing else changed. Scans the text once, telling strings from the rest.
 */
export function duckJson(text: string): string {
  if (!text.includes('\\u') && !text.includes('e+')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const quote = text.indexOf('"', i);
    const plain = quote < 0 ? text.slice(i) : text.slice(i, quote);
    out += plain.replace(/e\+/g, 'e');
    if (quote < 0) break;
    let end = quote + 1;
    while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    out += jsonEscapes(text.slice(quote, end + 1));
    i = end + 1;
  }
  return out;
}

/** A JSON string token with its `\u00xx` escapes in upper-case hex. */
function jsonEscapes(token: string): string {
  if (!token.includes('\\u')) return token;
  // Escapes are matched from left to right, so an escaped backslash followed by `u` is never taken for one.
  return token.replace(/\\(u[0-9a-f]{4}|[^u])/g, (m, e: string) =>
    e.length === 5 ? `\\u${e.slice(1).toUpperCase()}` : m,
  );
}

/** Epoch ms as `YYYY-MM-DDTHH:MM:SS.mmmZ` (a year past 9999 written in full, without JavaScript's `+0`). */
export function isoTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.startsWith('+') ? s.slice(1).replace(/^0+/, '') : s;
}

const CSV_QUOTE = /[\n\r",#]/;

export function csvText(s: string): string {
  return s === '' || CSV_QUOTE.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const jsonList = (v: unknown) => `[${((v as string[] | null) ?? []).map(jsonString).join(',')}]`;

/** The CSV header line. */
export function csvHeader(columns: readonly Column[]): string {
  return `${columns.map((c) => csvText(c.name)).join(',')}\r\n`;
}

/** Builds the function that writes one row as a CSV record (CRLF-terminated). */
export function csvRecord(columns: readonly Column[]): (row: ExportRow) => string {
  const cells = columns.map((c): ((v: unknown) => string) => {
    switch (c.type) {
      case 'text':
        return (v) => (v === null || v === undefined ? '' : csvText(String(v)));
      case 'float':
        return (v) => (v === null || v === undefined ? '' : csvDouble(Number(v)));
      case 'time':
        return (v) => (v === null || v === undefined ? '' : isoTime(Number(v)));
      case 'text_list':
        return (v) => csvText(jsonList(v));
      case 'json':
        return (v) => csvText(v === null || v === undefined ? '{}' : duckJson(String(v)));
      default:
        return (v) => (v === null || v === undefined ? '' : String(v));
    }
  });
  return (row) => `${columns.map((c, i) => cells[i]!(row[c.name])).join(',')}\r\n`;
}

/** Builds the function that writes one row as an NDJSON line. */
export function ndjsonRecord(columns: readonly Column[]): (row: ExportRow) => string {
  const parts = columns.map((c): ((v: unknown) => string) => {
    const key = `${JSON.stringify(c.name)}:`;
    switch (c.type) {
      case 'text':
        return (v) => key + (v === null || v === undefined ? 'null' : jsonString(String(v)));
      case 'float':
        return (v) => key + (v === null || v === undefined ? 'null' : jsonDouble(Number(v)));
      case 'time':
        return (v) => key + (v === null || v === undefined ? 'null' : `"${isoTime(Number(v))}"`);
      case 'text_list':
        return (v) => key + jsonList(v);
      case 'json':
        return (v) => key + (v === null || v === undefined ? '{}' : duckJson(String(v)));
      default:
        return (v) => key + (v === null || v === undefined ? 'null' : String(v));
    }
  });
  return (row) => `{${parts.map((p, i) => p(row[columns[i]!.name])).join(',')}}\n`;
}
