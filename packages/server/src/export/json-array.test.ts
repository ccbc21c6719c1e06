import { expect, it } from 'vitest';
import { jsonArray } from './json-array.js';

async function wrap(pieces: string[]): Promise<string> {
  async function* source() {
    for (const p of pieces) yield Buffer.from(p);
  }
  const out: Buffer[] = [];
  for await (const b of jsonArray(source())) out.push(b);
  return Buffer.concat(out).toString('utf8');
}

it('wraps NDJSON into one array, however the input is cut', async () => {
  const lines = '{"a":1}\n{"b":"x,\\n"}\n{"c":[1,2]}\n';
  const expected = '[\n{"a":1},\n{"b":"x,\\n"},\n{"c":[1,2]}\n]\n';
  expect(await wrap([lines])).toBe(expected);
  for (let cut = 1; cut < lines.length; cut++) {
    expect(await wrap([lines.slice(0, cut), lines.slice(cut)])).toBe(expected);
  }
  expect(JSON.parse(await wrap(lines.split('')))).toEqual([{ a: 1 }, { b: 'x,\n' }, { c: [1, 2] }]);
});

it('writes an empty array for no rows', async () => {
  expect(await wrap([])).toBe('[\n]\n');
  expect(JSON.parse(await wrap(['']))).toEqual([]);
});
