import { describe, expect, it } from 'vitest';
import { callMatches } from './filter-match.js';
import { prepareCallEvent } from './prepare-call-event.js';
import { PriceBook } from './pricing.js';
import type { Filter } from './query-spec.js';

const book = new PriceBook();

function call(input: Record<string, unknown>) {
  const r = prepareCallEvent(
    { timestamp: '2026-06-01T11:00:00Z', model: 'gpt-4o', provider: 'openai', ...input },
    {
      projectId: 'p1',
      now: Date.parse('2026-06-01T12:00:00Z'),
      ingestSource: 'api',
      capturePolicy: 'full',
      priceBook: book,
    },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const f = (field: Filter['field'], op: Filter['op'], ...values: string[]): Filter => ({ field, op, values });

/** The ids of the calls that pass the filters. */
const kept = (calls: ReturnType<typeof call>[], ...filters: Filter[]) =>
  calls.filter((c) => callMatches(c, filters)).map((c) => c.id);

describe('callMatches', () => {
  it('keeps every call when there are no filters, and needs every filter to pass when there are several', () => {
    const calls = [call({ id: 'a', user_id: 'u1' }), call({ id: 'b', model: 'claude', user_id: 'u1' })];
    expect(kept(calls)).toEqual(['a', 'b']);
    expect(kept(calls, f('user_id', 'eq', 'u1'), f('model', 'in', 'gpt-4o'))).toEqual(['a']);
  });

  it('compares dimensions as text, numbers included', () => {
    const calls = [call({ id: 'ok', status_code: 200 }), call({ id: 'limited', status_code: 429 })];
    expect(kept(calls, f('status_code', 'in', '200', '500'))).toEqual(['ok']);
    expect(kept(calls, f('status_code', 'eq', '429'))).toEqual(['limited']);
    expect(kept(calls, f('status_code', 'in', '200.0'))).toEqual([]);
  });

  it('never keeps a null dimension with eq/in, always keeps it with neq/not_in, and calls it absent', () => {
    const calls = [call({ id: 'known', user_id: 'u1' }), call({ id: 'unknown' }), call({ id: 'empty', user_id: '' })];
    expect(kept(calls, f('user_id', 'in', 'u1', ''))).toEqual(['known', 'empty']);
    expect(kept(calls, f('user_id', 'not_in', 'u1'))).toEqual(['unknown', 'empty']);
    expect(kept(calls, f('user_id', 'neq', 'u1'))).toEqual(['unknown', 'empty']);
    // An empty string is a value, not an absence.
    expect(kept(calls, f('user_id', 'present'))).toEqual(['known', 'empty']);
    expect(kept(calls, f('user_id', 'absent'))).toEqual(['unknown']);
  });

  it('treats an empty value list as matching nothing (in) or everything (not_in)', () => {
    const calls = [call({ id: 'a' }), { ...call({ id: 'b' }), model: null }];
    expect(kept(calls, f('model', 'in'))).toEqual([]);
    expect(kept(calls, f('model', 'not_in'))).toEqual(['a', 'b']);
    expect(kept(calls, f('tag', 'in'))).toEqual([]);
    expect(kept(calls, f('tag', 'not_in'))).toEqual(['a', 'b']);
  });

  it('matches a tag against any of the call tags', () => {
    const calls = [call({ id: 'ab', tags: ['a', 'b'] }), call({ id: 'c', tags: ['c'] }), call({ id: 'none' })];
    expect(kept(calls, f('tag', 'in', 'b'))).toEqual(['ab']);
    expect(kept(calls, f('tag', 'in', 'b', 'c'))).toEqual(['ab', 'c']);
    expect(kept(calls, f('tag', 'not_in', 'a', 'c'))).toEqual(['none']);
    expect(kept(calls, f('tag', 'neq', 'zz'))).toEqual(['ab', 'c', 'none']);
  });

  it('calls tags present whenever the call has a tag list, as the store does (an empty list included)', () => {
    const calls = [call({ id: 'tagged', tags: ['a'] }), call({ id: 'untagged' })];
    expect(kept(calls, f('tag', 'present'))).toEqual(['tagged', 'untagged']);
    expect(kept(calls, f('tag', 'absent'))).toEqual([]);
    const stored = { ...call({ id: 'null-tags' }), tags: null as unknown as string[] };
    expect(callMatches(stored, [f('tag', 'absent')])).toBe(true);
    expect(callMatches(stored, [f('tag', 'in', 'a')])).toBe(false);
    expect(callMatches(stored, [f('tag', 'not_in', 'a')])).toBe(true);
  });

  it('compares metadata keys as the JSON text the store reads back', () => {
    const calls = [
      call({ id: 'str', metadata: { k: 'search' } }),
      call({ id: 'int', metadata: { k: 200 } }),
      call({ id: 'float', metadata: { k: 1.5 } }),
      call({ id: 'big', metadata: { k: 1e21 } }),
      call({ id: 'bool', metadata: { k: true } }),
      call({ id: 'obj', metadata: { k: { n: 1e30, s: 'e+5' } } }),
      call({ id: 'list', metadata: { k: [1, 'x'] } }),
    ];
    expect(kept(calls, f('metadata.k', 'eq', 'search'))).toEqual(['str']);
    expect(kept(calls, f('metadata.k', 'in', '200', '1.5'))).toEqual(['int', 'float']);
    // JavaScript writes 1e+21; the store writes 1e21.
    expect(kept(calls, f('metadata.k', 'eq', '1e21'))).toEqual(['big']);
    expect(kept(calls, f('metadata.k', 'eq', '1e+21'))).toEqual([]);
    expect(kept(calls, f('metadata.k', 'eq', 'true'))).toEqual(['bool']);
    expect(kept(calls, f('metadata.k', 'eq', '{"n":1e30,"s":"e+5"}'))).toEqual(['obj']);
    expect(kept(calls, f('metadata.k', 'eq', '[1,"x"]'))).toEqual(['list']);
  });

  it('treats a missing metadata key and a JSON null alike: absent, kept by not_in, never by in', () => {
    const calls = [
      call({ id: 'set', metadata: { team: 'search' } }),
      call({ id: 'null', metadata: { team: null } }),
      call({ id: 'missing' }),
      call({ id: 'empty', metadata: { team: '' } }),
    ];
    expect(kept(calls, f('metadata.team', 'present'))).toEqual(['set', 'empty']);
    expect(kept(calls, f('metadata.team', 'absent'))).toEqual(['null', 'missing']);
    expect(kept(calls, f('metadata.team', 'in', 'search', 'null'))).toEqual(['set']);
    expect(kept(calls, f('metadata.team', 'not_in', 'search'))).toEqual(['null', 'missing', 'empty']);
  });

  it('reads a metadata key with a dot in its name as one top-level key', () => {
    const calls = [
      call({ id: 'dotted', metadata: { 'a.b': 'x' } }),
      call({ id: 'nested', metadata: { a: { b: 'x' } } }),
    ];
    expect(kept(calls, f('metadata.a.b', 'eq', 'x'))).toEqual(['dotted']);
  });

  it('tests content only for a non-empty text', () => {
    const calls = [
      call({ id: 'text', input_text: 'hello' }),
      call({ id: 'empty', input_text: '' }),
      call({ id: 'none' }),
    ];
    expect(kept(calls, f('input_text', 'present'))).toEqual(['text']);
    expect(kept(calls, f('input_text', 'absent'))).toEqual(['empty', 'none']);
    expect(() => callMatches(calls[0]!, [f('input_text', 'eq', 'hello')])).toThrow(/only be tested for presence/);
  });

  it('refuses a field the store cannot filter on', () => {
    expect(() => callMatches(call({}), [f('input_tokens' as Filter['field'], 'eq', '1')])).toThrow(
      /cannot filter on input_tokens/,
    );
  });
});
