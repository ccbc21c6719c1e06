/**
 * `wrapOpenAI()`: every call of an `openai` client is recorded, plain or streamed, with its tokens, cost and, for a
 * stream, the time to the first token.
 *
 * Run: npm run example:openai (OPENAI_API_KEY, and OPENAI_BASE_URL for another compatible server)
 */
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { shutdown, wrapOpenAI } from '@tally/sdk';
import { whereCallsWent } from './where-calls-went.js';

const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';

// The client reads OPENAI_API_KEY and OPENAI_BASE_URL; the options go on every call this client makes.
const openai = wrapOpenAI(new OpenAI(), {
  user_id: 'alice',
  session_id: randomUUID(),
  agent_name: 'support-bot',
  agent_version: '1.0.0',
  operation: 'answer_question',
});

let summary = 'failed';
try {
  const completion = await openai.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'How long do refunds take? Answer in one sentence.' }],
  });

  const stream = await openai.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'Write a two-line poem about receipts.' }],
    stream: true,
    stream_options: { include_usage: true }, // without it OpenAI sends no token counts for a stream
  });
  let poem = '';
  for await (const chunk of stream) poem += chunk.choices[0]?.delta?.content ?? '';

  const response = await openai.responses.create({ model, input: 'Name one colour of the rainbow.' });

  summary =
    `chat completion (${completion.usage?.total_tokens ?? '?'} tokens), ` +
    `streamed chat completion (${poem.length} characters), ` +
    `Responses API call (${response.usage?.total_tokens ?? '?'} tokens) with ${model}`;
} finally {
  await shutdown(); // sends or writes what is queued; calls still queued at exit would be lost
  console.log(`openai example: ${summary}; ${whereCallsWent()}`);
}
