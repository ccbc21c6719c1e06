import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { openaiRoute } from '../test/openai-upstream.js';
import { collect, useUpstream } from '../test/wrap-helpers.js';
import { logCall, track, withCallOptions, wrapOpenAI } from './index.js';

const upstream = useUpstream(openaiRoute, 'call-options');
const freshFile = upstream.freshFile;
const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url()}/v1`, maxRetries: 0 });
const chat = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('withCallOptions', () => {
  it('applies to track() and logCall() inside it, also after an await, and not outside', async () => {
    const lines = freshFile();
    const value = await withCallOptions({ user_id: 'u1', session_id: 's1' }, async () => {
      await tick();
      logCall({ provider: 'openai', model: 'gpt-4o', operation: 'summary' });
      return track({ operation: 'answer' }, () => 42);
    });
    expect(value).toBe(42);
    logCall({ operation: 'outside' });
    const byOp = Object.fromEntries((await lines()).map((l) => [l.operation, l]));
    expect(byOp.summary).toMatchObject({ user_id: 'u1', session_id: 's1' });
    expect(byOp.answer).toMatchObject({ user_id: 'u1', session_id: 's1' });
    expect(byOp.outside.user_id).toBeUndefined();
  });

  it('explicit fields win over the context; nested contexts merge, the inner winning; metadata merges', async () => {
    const lines = freshFile();
    withCallOptions({ user_id: 'outer', agent_name: 'bot', metadata: { tenant: 't1', tier: 'free' } }, () => {
      withCallOptions({ user_id: 'inner', metadata: { tier: 'pro' } }, () => {
        logCall({ operation: 'nested', user_id: undefined });
        logCall({ operation: 'explicit', user_id: 'given', metadata: { route: '/x' } });
      });
      logCall({ operation: 'after-inner' });
    });
    const byOp = Object.fromEntries((await lines()).map((l) => [l.operation, l]));
    expect(byOp.nested).toMatchObject({ user_id: 'inner', agent_name: 'bot', metadata: { tenant: 't1', tier: 'pro' } });
    expect(byOp.explicit).toMatchObject({
      user_id: 'given',
      agent_name: 'bot',
      metadata: { tenant: 't1', tier: 'pro', route: '/x' },
    });
    expect(byOp['after-inner']).toMatchObject({ user_id: 'outer', metadata: { tenant: 't1', tier: 'free' } });
  });

  it('concurrent requests keep their own options', async () => {
    const lines = freshFile();
    const request = (user: string, wait: number) =>
      withCallOptions({ user_id: user }, async () => {
        await new Promise((r) => setTimeout(r, wait));
        logCall({ operation: `call-${user}` });
      });
    await Promise.all([request('a', 20), request('b', 1), request('c', 10)]);
    const all = await lines();
    expect(all).toHaveLength(3);
    for (const line of all) expect(line.operation).toBe(`call-${line.user_id}`);
  });

  it('a wrapped client: the context wins over the client options and the request is unchanged', async () => {
    const lines = freshFile();
    const openai = wrapOpenAI(client(), { user_id: 'client-user', agent_name: 'bot' });
    const before = upstream.requests().length;
    await withCallOptions({ user_id: 'u9', session_id: 's9' }, () => openai.chat.completions.create(chat));
    await openai.chat.completions.create(chat);
    const sent = upstream.requests().slice(before);
    expect(sent.map((r) => r.body)).toEqual([chat, chat]);
    const [inside, outside] = await lines();
    expect(inside).toMatchObject({ user_id: 'u9', session_id: 's9', agent_name: 'bot', input_tokens: 1200 });
    expect(outside).toMatchObject({ user_id: 'client-user', agent_name: 'bot' });
    expect(outside.session_id).toBeUndefined();
  });

  it('a stream read after withCallOptions returned still carries the options of the call', async () => {
    const lines = freshFile();
    const openai = wrapOpenAI(client());
    const stream = await withCallOptions({ user_id: 'u5' }, () =>
      openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } }),
    );
    await withCallOptions({ user_id: 'someone-else' }, () => collect(stream));
    const [line] = await lines();
    expect(line).toMatchObject({ user_id: 'u5', stream: true, input_tokens: 1200 });
  });

  it('keeps only call options: an id, tokens or a status given from JavaScript never reach the lines', async () => {
    const lines = freshFile();
    const loose = { user_id: 'u1', id: 'same-id', input_tokens: 999, status: 'error' } as never;
    withCallOptions(loose, () => {
      logCall({ operation: 'one' });
      logCall({ operation: 'two' });
    });
    const all = await lines();
    expect(all.map((l) => l.user_id)).toEqual(['u1', 'u1']);
    expect(new Set(all.map((l) => l.id)).size).toBe(2);
    for (const line of all) {
      expect(line.id).not.toBe('same-id');
      expect(line.input_tokens).toBeUndefined();
      expect(line.status).toBe('success');
    }
  });

  it('returns what fn returns, rethrows what it throws, and names a missing fn', async () => {
    expect(withCallOptions({ user_id: 'u' }, () => 'x')).toBe('x');
    const boom = new Error('boom');
    expect(() =>
      withCallOptions({}, () => {
        throw boom;
      }),
    ).toThrow(boom);
    await expect(withCallOptions({}, async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(() => withCallOptions({}, undefined as never)).toThrow(/fn must be a function/);
  });
});
