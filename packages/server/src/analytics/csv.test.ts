import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from './csv.js';

/** A small RFC 4180 reader, written independently of the writer, to check that what is written reads back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('csv', () => {
  it('leaves plain fields bare and writes empty for null and undefined', () => {
    expect(csvRow(['gpt-4o', 42, 1.5, true, false, null, undefined, ''])).toBe('gpt-4o,42,1.5,true,false,,,\r\n');
  });

  it('quotes fields with a comma, a quote or a line break and doubles the quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded ')).toBe(' padded ');
  });

  it('round-trips awkward values through an RFC 4180 reader', () => {
    const values = ['x', 'a,b', '"quoted"', 'line\r\nbreak', '', ' ', 'ünïcødé, "mixed"\n', '""'];
    const text = csvRow(values) + csvRow(['second', 'row']);
    expect(parseCsv(text)).toEqual([values, ['second', 'row']]);
  });
});
