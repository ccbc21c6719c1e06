import { readdir, readFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JsonlSink } from './jsonl-sink.js';
import { UsageAnalyzer } from './usage-analyzer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-rotation-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

it('size rotation archives whole lines to gzip and loses none', async () => {
  const sub = join(dir, 'size');
  const path = join(sub, 'calls.jsonl');
  const sink = new JsonlSink({ path, maxQueue: 1000, rotation: { maxBytes: 2000 } });
  for (let i = 0; i < 40; i++) {
    sink.append({
      timestamp: new Date().toISOString(),
      model: 'm',
      user_id: 'u',
      input_tokens: i,
      pad: 'p'.repeat(200),
    });
    if (i % 3 === 0) await sink.flush(); // several batches, so several rotations
  }
  await sink.close();
  expect(sink.stats()).toEqual({ written: 40, dropped: 0, errors: 0 });
  const archives = (await readdir(join(sub, 'archive'))).sort();
  expect(archives.length).toBeGreaterThan(1);
  expect(archives.every((a) => /^calls_\d{6}(_\d+)?\.jsonl\.gz$/.test(a))).toBe(true);
  const live = jsonLines(await readFile(path, 'utf8'));
  const archived = [];
  for (const a of archives) archived.push(...jsonLines(gunzipSync(await readFile(join(sub, 'archive', a))).toString()));
  const all = [...archived, ...live].map((l) => l.input_tokens).sort((x, y) => x - y);
  expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i));

  // The analyzer reads an archive like the live file (unknown field `pad` is reported, the line counted).
  const first = join(sub, 'archive', archives[0]!);
  const stats = await new UsageAnalyzer({ path: first }).getUserUsage('u');
  expect(stats.total_calls).toBe(jsonLines(gunzipSync(await readFile(first)).toString()).length);
});

it('monthly rotation archives a file last written in an earlier month under that month', async () => {
  const sub = join(dir, 'monthly');
  const path = join(sub, 'master_llm_calls.jsonl');
  const sink = new JsonlSink({ path, maxQueue: 10, rotation: { monthly: true } });
  sink.append({ n: 'old' });
  await sink.close();
  const lastMonth = new Date();
  lastMonth.setUTCDate(1);
  lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
  await utimes(path, lastMonth, lastMonth);
  const again = new JsonlSink({ path, maxQueue: 10, rotation: { monthly: true } });
  again.append({ n: 'new' });
  await again.close();
  const ym = `${lastMonth.getUTCFullYear()}${String(lastMonth.getUTCMonth() + 1).padStart(2, '0')}`;
  const archive = join(sub, 'archive', `master_llm_calls_${ym}.jsonl.gz`);
  expect(jsonLines(gunzipSync(await readFile(archive)).toString())).toEqual([{ n: 'old' }]);
  expect(jsonLines(await readFile(path, 'utf8'))).toEqual([{ n: 'new' }]);
});

it('a rotation that fails keeps writing to the live file', async () => {
  const sub = join(dir, 'blocked');
  const path = join(sub, 'calls.jsonl');
  const sink = new JsonlSink({ path, maxQueue: 10, rotation: { maxBytes: 10 } });
  sink.append({ n: 1 });
  await sink.flush();
  await writeFile(join(sub, 'archive'), 'a file where the archive directory should be');
  sink.append({ n: 2 });
  await sink.close();
  expect(jsonLines(await readFile(path, 'utf8'))).toEqual([{ n: 1 }, { n: 2 }]);
  expect(sink.stats()).toEqual({ written: 2, dropped: 0, errors: 1 });
});

it('a missing .gz file reads as empty', async () => {
  const stats = await new UsageAnalyzer({ path: join(dir, 'none.jsonl.gz') }).getUsageSummary();
  expect(stats.overall_stats.total_calls).toBe(0);
});
