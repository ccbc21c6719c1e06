/**
 * `track()` around a plain HTTP call, and `logCall()` for a call made elsewhere.
 *
 * A support bot answers a question through an OpenAI-compatible Chat Completions endpoint, called with `fetch`
 * (the way to record any API the SDK has no wrapper for), after its retrieval library embedded the question and
 * reported the usage afterwards.
 *
 * Run: npm run example:track (OPENAI_API_KEY, and OPENAI_BASE_URL for another compatible server)
 */
import { randomUUID } from 'node:crypto';
import { logCall, shutdown, track } from '@tally/sdk';
import { whereCallsWent } from './where-calls-went.js';

const baseURL = process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
const apiKey = process.env.OPENAI_API_KEY;
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';
if (!apiKey) {
  console.error('Set OPENAI_API_KEY (and OPENAI_BASE_URL to use another OpenAI-compatible server).');
  process.exit(1);
}

/** Who made the calls: every call of this conversation carries the same fields. */
const who = { user_id: 'alice', session_id: randomUUID(), agent_name: 'support-bot', agent_version: '1.0.0' };
const question = 'How long do refunds take? Answer in one sentence.';

/** The part of a Chat Completions answer this example reads. `usage.cost` is sent by some gateways. */
interface ChatCompletion {
  id: string;
  model: string;
  choices: { message: { content: string | null }; finish_reason: string }[];
  usage?: {
    prompt_tokens: number;
    completion_tokens: number;
    prompt_tokens_details?: { cached_tokens?: number };
    cost?: number;
  };
}

let summary = 'failed';
try {
  // Made by a retrieval library, which reports its usage afterwards: record it as it was.
  logCall({
    provider: 'openai',
    api_type: 'embedding',
    model: 'text-embedding-3-small',
    operation: 'embed_question',
    input_tokens: 12,
    latency_ms: 84,
    source_id: 'kb/refund-policy',
    tags: ['retrieval'],
    ...who,
  });

  const answer = await track(
    {
      provider: 'openai',
      model,
      operation: 'answer_question',
      source_function: 'answerQuestion',
      temperature: 0.2,
      max_tokens: 200,
      ...who,
    },
    async (call) => {
      const res = await fetch(`${baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          model,
          temperature: 0.2,
          max_tokens: 200,
          messages: [{ role: 'user', content: question }],
        }),
        signal: AbortSignal.timeout(60_000), // recorded as status `timeout` when it fires
      });
      if (!res.ok) throw new Error(`Chat Completions answered HTTP ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as ChatCompletion;
      call.updateTokens({
        input_tokens: body.usage?.prompt_tokens,
        output_tokens: body.usage?.completion_tokens,
        cache_read_tokens: body.usage?.prompt_tokens_details?.cached_tokens,
      });
      // A reported cost is kept as it is; without one the SDK estimates it from the price book.
      if (body.usage?.cost !== undefined) call.setCost(body.usage.cost);
      call.setMetadata({
        response_id: body.id,
        response_model: body.model,
        finish_reason: body.choices[0]?.finish_reason,
      });
      return body.choices[0]?.message.content ?? '';
    },
  );
  summary = `logged 1 embedding call, answered with ${model} (${answer.length} characters)`;
} finally {
  await shutdown(); // sends or writes what is queued; calls still queued at exit would be lost
  console.log(`track example: ${summary}; ${whereCallsWent()}`);
}
