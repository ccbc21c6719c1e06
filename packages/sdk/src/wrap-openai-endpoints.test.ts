import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import {
  COMPLETION_USAGE,
  EMBEDDING_MODEL,
  EMBEDDING_USAGE,
  INSTRUCT_MODEL,
  VECTOR,
  openaiRoute,
} from '../test/openai-upstream.js';
import { collect, useUpstream } from '../test/wrap-helpers.js';
import { wrapOpenAI } from './index.js';

const upstream = useUpstream(openaiRoute, 'openai-endpoints');
const freshFile = upstream.freshFile;
const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url()}/v1`, maxRetries: 0 });

const who = { user_id: 'u1', source_id: 'doc_7' };

describe('wrapOpenAI: embeddings', () => {
  it('returns what the client returns (vectors decoded) and records input tokens as an embedding call', async () => {
    const lines = freshFile();
    const params = { model: EMBEDDING_MODEL, input: ['first document', 'second'] };
    const expected = await client().embeddings.create(params);
    const got = await wrapOpenAI(client(), who).embeddings.create(params);
    expect(got).toEqual(expected);
    // The client asked for base64 and decoded it; the caller still gets numbers.
    expect(Array.from(got.data[0]!.embedding)).toEqual(VECTOR);
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      provider: 'openai',
      api_type: 'embedding',
      operation: 'embeddings',
      endpoint: '/v1/embeddings',
      stream: false,
      model: EMBEDDING_MODEL,
      input_tokens: EMBEDDING_USAGE.prompt_tokens,
      total_tokens: EMBEDDING_USAGE.total_tokens,
      cost_source: 'computed',
      ...who,
    });
    expect(line.output_tokens).toBeUndefined();
    expect(line.cost_usd).toBeGreaterThan(0);
  });

  it('an explicit encoding_format: the same answer as the client, one line', async () => {
    const lines = freshFile();
    const params = { model: EMBEDDING_MODEL, input: 'hello', encoding_format: 'float' as const };
    const expected = await client().embeddings.create(params);
    expect(await wrapOpenAI(client()).embeddings.create(params)).toEqual(expected);
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ operation: 'embeddings', input_tokens: 8 });
  });

  it('an upstream 500: the same error, and an error line', async () => {
    const lines = freshFile();
    const thrown = await wrapOpenAI(client())
      .embeddings.create({ model: 'boom', input: 'x' })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OpenAI.InternalServerError);
    const [line] = await lines();
    expect(line).toMatchObject({ status: 'error', api_type: 'embedding', model: 'boom' });
  });
});

describe('wrapOpenAI: legacy completions', () => {
  it('returns what the client returns and records a text completion with tokens', async () => {
    const lines = freshFile();
    const params = { model: INSTRUCT_MODEL, prompt: 'Tell me a story', max_tokens: 64, temperature: 0.7 };
    const expected = await client().completions.create(params);
    const got = await wrapOpenAI(client(), who).completions.create(params);
    expect(got).toEqual(expected);
    expect(got.choices[0]?.text).toBe('Once upon a time');
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      api_type: 'generative',
      operation: 'text_completion',
      endpoint: '/v1/completions',
      stream: false,
      model: INSTRUCT_MODEL,
      max_tokens: 64,
      temperature: 0.7,
      input_tokens: COMPLETION_USAGE.prompt_tokens,
      output_tokens: COMPLETION_USAGE.completion_tokens,
      cost_source: 'computed',
      ...who,
    });
    expect(line.cost_usd).toBeGreaterThan(0);
  });

  it('stream: the caller gets every chunk; usage from the final chunk, with ttft', async () => {
    const lines = freshFile();
    const params = {
      model: INSTRUCT_MODEL,
      prompt: 'Tell me a story',
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const expected = await collect(await client().completions.create(params));
    const got = await collect(await wrapOpenAI(client()).completions.create(params));
    expect(got).toEqual(expected);
    expect(got.map((c) => c.choices[0]?.text ?? '').join('')).toBe('Once upon a time');
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      status: 'success',
      operation: 'text_completion',
      stream: true,
      model: INSTRUCT_MODEL,
      input_tokens: COMPLETION_USAGE.prompt_tokens,
      output_tokens: COMPLETION_USAGE.completion_tokens,
    });
    expect(line.ttft_ms).toBeGreaterThan(0);
    expect(line.ttft_ms).toBeLessThanOrEqual(line.duration_ms);
  });

  it('the caller names the operation: it wins over text_completion', async () => {
    const lines = freshFile();
    await wrapOpenAI(client(), { operation: 'autocomplete' }).completions.create({
      model: INSTRUCT_MODEL,
      prompt: 'a',
    });
    const [line] = await lines();
    expect(line).toMatchObject({ operation: 'autocomplete', api_type: 'generative' });
  });
});
