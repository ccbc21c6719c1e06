import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configure, flush, shutdown, track } from './index.js';

// Own test file: the SDK reads the environment on first use, and vitest gives each file fresh modules.
let dir: string;
const saved = { dir: process.env.LLM_TRACKING_DIR, file: process.env.LLM_TRACKING_FILE };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-sdk-env-'));
});
afterAll(async () => {
  await shutdown();
  process.env.LLM_TRACKING_DIR = saved.dir;
  process.env.LLM_TRACKING_FILE = saved.file;
  if (saved.dir === undefined) delete process.env.LLM_TRACKING_DIR;
  if (saved.file === undefined) delete process.env.LLM_TRACKING_FILE;
  await rm(dir, { recursive: true, force: true });
});

const lines = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n');

it('LLM_TRACKING_DIR and LLM_TRACKING_FILE choose the file; configure() overrides them', async () => {
  process.env.LLM_TRACKING_DIR = join(dir, 'from-env');
  process.env.LLM_TRACKING_FILE = 'env.jsonl';
  track({ model: 'm', operation: 'env' }, () => undefined);
  await flush();
  expect((await lines(join(dir, 'from-env', 'env.jsonl'))).map((l) => JSON.parse(l).operation)).toEqual(['env']);

  configure({ dir: join(dir, 'explicit') }); // file still from the environment
  track({ model: 'm', operation: 'dir' }, () => undefined);
  configure({ dir: join(dir, 'explicit'), file: 'mine.jsonl' });
  track({ model: 'm', operation: 'both' }, () => undefined);
  await flush();
  expect((await lines(join(dir, 'explicit', 'env.jsonl'))).map((l) => JSON.parse(l).operation)).toEqual(['dir']);
  expect((await lines(join(dir, 'explicit', 'mine.jsonl'))).map((l) => JSON.parse(l).operation)).toEqual(['both']);
  expect(await lines(join(dir, 'from-env', 'env.jsonl'))).toHaveLength(1);
});
