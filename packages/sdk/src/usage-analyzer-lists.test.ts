import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageAnalyzer } from './index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fileOf(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-lists-'));
  dirs.push(dir);
  const path = join(dir, 'calls.jsonl');
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

const line = (o: Record<string, unknown>) => JSON.stringify({ timestamp: '2025-03-01T12:00:00Z', model: 'm', ...o });

describe('UsageAnalyzer lists', () => {
  it('lists users, sessions (of one user) and sources with their calls, sorted by id', async () => {
    const path = await fileOf([
      line({ user_id: 'bob', session_id: 's2' }),
      line({ user_id: 'alice', session_id: 's1' }),
      line({ user_id: 'alice', session_id: 's3' }),
      line({ user_id: 'alice', session_id: 's1' }),
      line({ source_id: 'doc_9' }),
      'not json',
    ]);
    const a = new UsageAnalyzer({ path });
    expect((await a.listUsers()).ids).toEqual([
      { id: 'alice', calls: 3 },
      { id: 'bob', calls: 1 },
    ]);
    expect((await a.listSessions()).ids.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect((await a.listSessions('alice')).ids).toEqual([
      { id: 's1', calls: 2 },
      { id: 's3', calls: 1 },
    ]);
    const sources = await a.listSources();
    expect(sources.ids).toEqual([{ id: 'doc_9', calls: 1 }]);
    expect(sources.skipped).toEqual([{ line: 6, reason: expect.stringContaining('invalid JSON') }]);
  });
});
