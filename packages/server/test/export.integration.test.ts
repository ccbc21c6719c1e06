import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { CALL_EVENT_FIELDS } from '@tally/core';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';
import { generateCalls, ingest, ms, type RawCall } from './dataset.js';

const HOUR = 3_600_000;
const ANCHOR = Date.UTC(2026, 10, 6, 12);
const TRICKY = 'he said "hi", then\nleft, and a CR LF\r\nfollowed';

let s: TestServer;
let calls: RawCall[];
/** The calls as an export orders them: by start time, then id. */
let ordered: RawCall[];

async function get(path: string, project = 'default') {
  const r = await fetch(`${s.url}${path}`, { headers: { 'x-tally-project': project } });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}
const ndjson = (b: Buffer) =>
  b
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const byTimeThenId = (a: RawCall, b: RawCall) => ms(a) - ms(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

beforeAll(async () => {
  s = await startTestServer();
  const t = new Date(ANCHOR - 5 * HOUR).toISOString();
  calls = [
    ...generateCalls(ANCHOR, { count: 300, days: 10 }),
    // Two calls at one instant, so that resuming must break the tie by id.
    { id: 'tie-b', timestamp: t, model: 'gpt-4o', error_message: TRICKY, status: 'error', tags: ['x,y', 'q"t'] },
    { id: 'tie-a', timestamp: t, model: 'gpt-4o', input_text: 'a, "b"\nc' },
  ];
  ordered = [...calls].sort(byTimeThenId);
  await ingest(s.call, calls);
  expect((await s.call('POST', '/api/v1/projects', { key: ADMIN, body: { id: 'other', name: 'Other' } })).status).toBe(
    201,
  );
  await ingest(s.call, generateCalls(ANCHOR, { count: 40, seed: 5, idPrefix: 'o' }), { project: 'other' });
});
afterAll(async () => {
  await s.stop();
});

describe('GET /api/v1/export', () => {
  it('writes CSV: a header row in storage order, then every call oldest first, values that round-trip', async () => {
    const r = await get('/api/v1/export?format=csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(
      /^attachment; filename="tally-default-19700101T000000Z-\d{8}T\d{6}Z\.csv"$/,
    );
    expect(r.headers.get('x-tally-total-rows')).toBe(String(calls.length));
    const rows = parse(r.body, { columns: false }) as string[][];
    expect(rows[0]).toEqual([...CALL_EVENT_FIELDS]);
    const header = rows[0]!;
    const records = rows.slice(1).map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));
    expect(records.map((x) => x['id'])).toEqual(ordered.map((c) => c.id));
    for (const [i, c] of ordered.entries()) {
      const x = records[i]!;
      expect(x['timestamp']).toBe(c.timestamp);
      expect([x['model'], x['input_tokens']]).toEqual([
        c.model,
        c.input_tokens === undefined ? '' : String(c.input_tokens),
      ]);
      expect(JSON.parse(x['tags']!)).toEqual(c.tags ?? []);
      expect(JSON.parse(x['metadata']!)).toEqual(c.team === undefined ? {} : { team: c.team });
    }
    const tricky = records.find((x) => x['id'] === 'tie-b')!;
    expect(tricky['error_message']).toBe(TRICKY);
    expect(JSON.parse(tricky['tags']!)).toEqual(['x,y', 'q"t']);
    expect(records.find((x) => x['id'] === 'tie-a')!['input_text']).toBe('a, "b"\nc');
  });

  it('writes NDJSON with one object per stored call of a filter, and JSON as one array', async () => {
    const errors = calls.filter((c) => (c.status ?? 'success') !== 'success' && c.model === 'gpt-4o');
    const r = await get('/api/v1/export?format=ndjson&status=error,timeout&model=gpt-4o');
    expect(r.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(r.headers.get('x-tally-total-rows')).toBe(String(errors.length));
    const rows = ndjson(r.body);
    expect(rows.map((x) => x.id)).toEqual([...errors].sort(byTimeThenId).map((c) => c.id));
    expect(Object.keys(rows[0])).toEqual([...CALL_EVENT_FIELDS]);
    expect(rows.find((x) => x.id === 'tie-b')?.error_message).toBe(TRICKY);

    const j = await get('/api/v1/export?format=json&from=' + new Date(ANCHOR - 48 * HOUR).toISOString());
    expect(j.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const array = JSON.parse(j.body.toString('utf8')) as { id: string; total_tokens: number }[];
    const recent = ordered.filter((c) => ms(c) >= ANCHOR - 48 * HOUR);
    expect(array.map((x) => x.id)).toEqual(recent.map((c) => c.id));
    const empty = await get('/api/v1/export?format=json&model=no-such-model');
    expect(JSON.parse(empty.body.toString('utf8'))).toEqual([]);
  });

  it('writes a Parquet file that DuckDB reads back with every row, oldest first', async () => {
    const r = await get('/api/v1/export?format=parquet&tag=beta');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const path = join(tempDir(), 'calls.parquet');
    writeFileSync(path, r.body);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const read = await conn.runAndReadAll(
        `SELECT id, epoch_ms(timestamp) AS ms, tags FROM read_parquet('${path.replace(/'/g, "''")}')`,
      );
      const rows = read.getRowObjectsJS() as { id: string; ms: bigint }[];
      const beta = ordered.filter((c) => c.tags?.includes('beta'));
      expect(rows.map((x) => x.id)).toEqual(beta.map((c) => c.id));
      expect(rows.map((x) => Number(x.ms))).toEqual(beta.map(ms));
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it("never includes another project's calls", async () => {
    const mine = ndjson((await get('/api/v1/export?format=ndjson')).body);
    expect(mine.every((x) => x.project_id === 'default' && !x.id.startsWith('o'))).toBe(true);
    const theirs = ndjson((await get('/api/v1/export?format=ndjson', 'other')).body);
    expect(theirs.map((x) => x.project_id)).toEqual(Array(40).fill('other'));
  });

  it('resumes strictly after a row: exactly the remaining rows, no repeat and no gap', async () => {
    const full = ndjson((await get('/api/v1/export?format=ndjson')).body);
    const k = ordered.findIndex((c) => c.id === 'tie-a');
    expect(ordered[k + 1]?.id).toBe('tie-b');
    const after = encodeURIComponent(`${ordered[k]!.timestamp},tie-a`);
    const rest = await get(`/api/v1/export?format=ndjson&after=${after}`);
    expect(rest.headers.get('x-tally-total-rows')).toBe(String(ordered.length - k - 1));
    expect(ndjson(rest.body).map((x) => x.id)).toEqual(full.slice(k + 1).map((x) => x.id));
    // A next_cursor of the events API points at a row too.
    const page = await s.call('GET', '/api/v1/analytics/events?from=0&limit=25');
    const last = page.body.events[24];
    const fromCursor = await get(`/api/v1/export?format=csv&header=false&cursor=${page.body.next_cursor}`);
    const ids = (parse(fromCursor.body) as string[][]).map((row) => row[0]);
    const t = (x: { timestamp: string }) => Date.parse(x.timestamp);
    const later = full.filter((x) => t(x) > last.timestamp || (t(x) === last.timestamp && x.id > last.id));
    expect(ids).toEqual(later.map((x) => x.id));
  });

  it('deletes its temporary files, also when the client goes away in the middle', async () => {
    const abort = new AbortController();
    const r = await fetch(`${s.url}/api/v1/export?format=ndjson`, { signal: abort.signal });
    await r.body!.getReader().read();
    abort.abort();
    await get('/api/v1/export?format=csv');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(readdirSync(s.dataDir).filter((f) => f.startsWith('.tally-export-'))).toEqual([]);
  });

  it('answers 422 with what to send for a bad format, resume point or range', async () => {
    const bad = await s.call('GET', '/api/v1/export?format=xlsx');
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toBe('format must be one of csv, json, ndjson, parquet; got xlsx');
    const after = await s.call('GET', '/api/v1/export?after=call-1');
    expect(after.status).toBe(422);
    expect(after.body.error.message).toContain('after must be <timestamp>,<id>');
    const range = await s.call('GET', '/api/v1/export?from=2026-11-02&to=2026-11-01');
    expect(range.body.error.message).toContain('from must be before to');
    expect((await s.call('GET', '/api/v1/export?cursor=nonsense')).status).toBe(422);
  });
});

describe('tally export', () => {
  const run = promisify(execFile);
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const tally = (args: string[]) =>
    run(process.execPath, ['--conditions=tally-source', '--import', 'tsx', cli, 'export', ...args], {
      env: { ...process.env, TALLY_URL: s.url, TALLY_API_KEY: ADMIN },
    });

  it('writes the file, and --resume completes a truncated one row for row', async () => {
    const dir = tempDir();
    for (const format of ['csv', 'ndjson'] as const) {
      const out = join(dir, `calls.${format}`);
      const first = await tally(['--format', format, '--out', out, '--filter', 'model=gpt-4o,claude-sonnet-4-5']);
      const whole = readFileSync(out);
      const expected = ordered.filter((c) => c.model === 'gpt-4o' || c.model === 'claude-sonnet-4-5');
      expect(first.stdout).toContain(`exported ${expected.length} rows`);
      const ids =
        format === 'csv' ? (parse(whole) as string[][]).slice(1).map((r) => r[0]) : ndjson(whole).map((x) => x.id);
      expect(ids).toEqual(expected.map((c) => c.id));
      // Cut inside the quoted field of the tricky row, right after one of its line breaks.
      const cut = whole.indexOf(format === 'csv' ? 'then\n' : 'then\\n') + 5;
      writeFileSync(out, whole.subarray(0, cut));
      const resumed = await tally([
        '--format',
        format,
        '--out',
        out,
        '--filter',
        'model=gpt-4o,claude-sonnet-4-5',
        '--resume',
      ]);
      expect(resumed.stdout).toMatch(/^continued after \d+ rows: exported \d+ rows/);
      expect(readFileSync(out).equals(whole)).toBe(true);
    }
  });

  it('explains itself and says when no server answers', async () => {
    const help = await tally(['--help']);
    expect(help.stdout).toContain('--resume');
    expect(help.stdout).toContain('tally export --format csv --out calls.csv');
    const down = await tally(['--out', join(tempDir(), 'x.csv'), '--url', 'http://127.0.0.1:9']).catch((e) => e);
    expect(down.stderr).toContain('no Tally server answers at http://127.0.0.1:9');
  });
});
