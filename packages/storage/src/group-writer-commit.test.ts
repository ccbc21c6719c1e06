import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from './duckdb/duckdb-store.js';
import { GroupWriter, type CommitInfo } from './group-writer.js';
import { makeCall } from './test-events.js';

describe('GroupWriter commit listeners', () => {
  const store = new DuckDbStore({ path: ':memory:' });
  beforeAll(() => store.init());
  afterAll(() => store.close());

  it('are told the projects and the calls each transaction stored, without the calls stored before', async () => {
    const writer = new GroupWriter(store, 50_000, 1);
    const seen: { projects: string[]; info: CommitInfo }[] = [];
    writer.onCommit((projects, info) => seen.push({ projects: [...projects].sort(), info }));
    const a = makeCall('commit-a', { id: 'a' });
    const b = makeCall('commit-b', { id: 'b' });
    await writer.write({ calls: [a, b] });
    await writer.write({ calls: [a, makeCall('commit-a', { id: 'c' })] });
    expect(seen.map((s) => s.projects)).toEqual([['commit-a', 'commit-b'], ['commit-a']]);
    expect(seen.map((s) => s.info.calls.map((c) => c.id))).toEqual([['a', 'b'], ['c']]);
    expect(seen.map((s) => s.info.records)).toEqual([2, 2]);
    expect(seen.every((s) => s.info.durationMs >= 0)).toBe(true);
    await writer.close();
  });

  it('cannot fail a committed write by throwing', async () => {
    const writer = new GroupWriter(store);
    writer.onCommit(() => {
      throw new Error('listener failed');
    });
    await expect(writer.write({ calls: [makeCall('commit-throw', { id: 'x' })] })).resolves.toMatchObject({ calls: 1 });
    expect((await store.stats('commit-throw')).calls).toBe(1);
    await writer.close();
  });

  it('stop being told of commits once removed, each removal taking away only its own listener', async () => {
    const writer = new GroupWriter(store, 50_000, 1);
    const seen: string[] = [];
    const record = (_projects: ReadonlySet<string>, info: CommitInfo) => seen.push(...info.calls.map((c) => c.id));
    const first = writer.onCommit(record);
    const second = writer.onCommit(record);
    await writer.write({ calls: [makeCall('commit-off', { id: 'both' })] });
    first();
    first();
    await writer.write({ calls: [makeCall('commit-off', { id: 'one' })] });
    second();
    await writer.write({ calls: [makeCall('commit-off', { id: 'none' })] });
    expect(seen).toEqual(['both', 'both', 'one']);
    expect((await store.stats('commit-off')).calls).toBe(3);
    await writer.close();
  });

  it('may be removed by another listener while a commit is announced, and then miss it', async () => {
    const writer = new GroupWriter(store, 50_000, 1);
    const seen: string[] = [];
    let removeLater = () => {};
    const removeSelf = writer.onCommit((_p, info) => {
      seen.push(`self:${info.calls[0]!.id}`);
      removeSelf();
      removeLater();
    });
    removeLater = writer.onCommit((_p, info) => seen.push(`later:${info.calls[0]!.id}`));
    writer.onCommit((_p, info) => seen.push(`kept:${info.calls[0]!.id}`));
    await writer.write({ calls: [makeCall('commit-self', { id: 'x' })] });
    await writer.write({ calls: [makeCall('commit-self', { id: 'y' })] });
    expect(seen).toEqual(['self:x', 'kept:x', 'kept:y']);
    await writer.close();
  });
});
