import { expect, it } from 'vitest';
import { RecordScanner, csvFields } from './record-scanner.js';

const CSV = 'id,note\r\na,"one\r\ntwo"\r\n"b,""q""",plain\r\nc,"x\n';

function scan(text: string, csv: boolean, cuts: number[] = []): RecordScanner {
  const s = new RecordScanner(csv);
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    s.push(Buffer.from(text.slice(from, cut)));
    from = cut;
  }
  return s;
}

it('finds CSV records whose quoted fields hold line breaks and quotes, across any chunk cut', () => {
  for (let cut = 0; cut <= CSV.length; cut++) {
    const s = scan(CSV, true, [cut]);
    expect(s.records).toBe(3);
    expect(s.firstEnd).toBe('id,note\r\n'.length);
    expect(CSV.slice(s.lastStart, s.lastEnd)).toBe('"b,""q""",plain\r\n');
  }
});

it('counts NDJSON lines, a line without its break not included', () => {
  const s = scan('{"a":1}\n{"b":"\\""}\n{"c"', false, [3, 9]);
  expect([s.records, s.lastStart, s.lastEnd]).toEqual([2, 8, 19]);
});

it('splits one CSV record into its fields', () => {
  expect(csvFields('a,"one\r\ntwo",,"b,""q"""')).toEqual(['a', 'one\r\ntwo', '', 'b,"q"']);
  expect(csvFields('')).toEqual(['']);
});
