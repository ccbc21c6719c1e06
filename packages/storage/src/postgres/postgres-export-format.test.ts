import { readFile, rm } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvDouble, csvText, isoTime, jsonDouble, jsonString } from './postgres-export-format.js';

/** Deterministic doubles across the whole range: random bit patterns, decimals, and the edges of each notation. */
function doubles(): number[] {
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const out = [0, -0, 1, -1, 2, 0.1, 1e-4, 1e-5, 1e-6, 1e-7, 1e15, 1e16, 1e20, 1e21, 5e-324, 1.7976931348623157e308];
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 4000; i++) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) out.push(x);
    out.push(next() / 1000, (next() / 2 ** 32 - 0.5) * 10 ** ((next() % 50) - 25));
  }
  return out;
}

/** Every text an export must write like DuckDB: each ASCII character alone, inside and at the ends, and more. */
function texts(): string[] {
  const out = ['', ' ', 'plain', '\u2028', '\u0085', '😀', 'é日本', '\\u001b', 'e+1'];
  for (let c = 1; c < 128; c++) {
    const ch = String.fromCharCode(c);
    out.push(ch, `a${ch}b`, `${ch}b`, `b${ch}`);
  }
  return out;
}

describe('export formatting matches what DuckDB writes', () => {
  let instance: DuckDBInstance;
  const dir = mkdtempSync(join(tmpdir(), 'tally-format-'));

  /** One column of values through DuckDB's COPY, one line per value. */
  async function copy(type: string, values: readonly (number | string)[], format: 'csv' | 'json'): Promise<string[]> {
    const conn = await instance.connect();
    try {
      await conn.run(`CREATE OR REPLACE TABLE v (i INTEGER, x ${type})`);
      const appender = await conn.createAppender('v');
      values.forEach((v, i) => {
        appender.appendInteger(i);
        if (typeof v === 'number') appender.appendDouble(v);
        else appender.appendVarchar(v);
        appender.endRow();
      });
      appender.closeSync();
      const path = join(dir, `out.${format}`);
      const options = format === 'csv' ? `FORMAT csv, HEADER false, NEW_LINE '\\r\\n'` : 'FORMAT json';
      await conn.run(`COPY (SELECT x FROM v ORDER BY i) TO '${path}' (${options})`);
      const text = await readFile(path, 'utf8');
      return text.split(format === 'csv' ? '\r\n' : '\n').slice(0, values.length);
    } finally {
      conn.closeSync();
    }
  }

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });
  afterAll(async () => {
    instance?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes doubles as DuckDB does in CSV and in JSON', async () => {
    const values = doubles();
    const csv = await copy('DOUBLE', values, 'csv');
    const json = (await copy('DOUBLE', values, 'json')).map((line) => line.slice('{"x":'.length, -1));
    expect(values.map(csvDouble)).toEqual(csv);
    expect(values.map(jsonDouble)).toEqual(json);
  });

  it('quotes and escapes text as DuckDB does in CSV and in JSON', async () => {
    const values = texts();
    // A CSV field may hold a line break, so records are compared as one file.
    const csv = await copy('VARCHAR', values, 'csv');
    expect(values.map(csvText).join('\r\n')).toBe(csv.join('\r\n'));
    const json = (await copy('VARCHAR', values, 'json')).map((line) => line.slice('{"x":'.length, -1));
    expect(values.map(jsonString)).toEqual(json);
  });

  it('writes times as ISO 8601 UTC with milliseconds, years past 9999 in full', () => {
    expect(isoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02T03:04:05.006Z');
    expect(isoTime(1_000_000_000_000_000)).toBe('33658-09-27T01:46:40.000Z');
    expect(isoTime(Date.UTC(999, 5, 6, 7, 8, 9, 10))).toBe('0999-06-06T07:08:09.010Z');
  });
});
