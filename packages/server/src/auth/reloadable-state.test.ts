import { expect, it } from 'vitest';
import { ReloadableState } from './reloadable-state.js';

it('keeps a change made while a reload was reading, which the reload did not see', async () => {
  const keys = new ReloadableState(new Set(['old']));
  let finishRead: (read: Set<string>) => void = () => undefined;
  const reload = keys.reload(() => new Promise((resolve) => (finishRead = resolve)));

  // A key created here after the reload's query ran: the store has it, what the reload read does not.
  keys.change((k) => k.add('created'));
  expect(keys.current.has('created')).toBe(true);
  finishRead(new Set(['old', 'from another process']));
  await reload;

  expect([...keys.current].sort()).toEqual(['created', 'from another process', 'old']);
});

it('swaps nothing in when the reload fails', async () => {
  const keys = new ReloadableState(new Set(['old']));
  const before = keys.current;
  await expect(keys.reload(() => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
  expect(keys.current).toBe(before);
  // The failed reload no longer collects changes: a later one takes the store's word for what it read.
  keys.change((k) => k.delete('old'));
  await keys.reload(async () => new Set(['old']));
  expect([...keys.current]).toEqual(['old']);
});
