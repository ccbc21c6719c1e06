/** CSV as RFC 4180 writes it: comma-separated fields, CRLF line ends, quoting only where a field needs it. */

export type CsvValue = string | number | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field: null and undefined are empty, booleans `true`/`false`. A field holding a comma, a double quote or a
 * line break is wrapped in double quotes, with its quotes doubled. A leading or trailing space is kept as is.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, terminated by CRLF. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
