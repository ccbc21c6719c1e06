/**
 * `wrapAnthropic()`: every `messages.create` call of an `@anthropic-ai/sdk` client is recorded, plain or streamed,
 * with its tokens (cache reads and writes included), cost and, for a stream, the time to the first token.
 *
 * Run: npm run example:anthropic (ANTHROPIC_API_KEY, and ANTHROPIC_BASE_URL for another compatible server)
 */
import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { shutdown, wrapAnthropic } from '@tally/sdk';
import { whereCallsWent } from './where-calls-went.js';

const model = process.env.ANTHROPIC_MODEL ?? 'claude-haiku-4-5';

// The client reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL; the options go on every call this client makes.
const anthropic = wrapAnthropic(new Anthropic(), {
  user_id: 'alice',
  session_id: randomUUID(),
  agent_name: 'support-bot',
  agent_version: '1.0.0',
  operation: 'answer_question',
});

let summary = 'failed';
try {
  const message = await anthropic.messages.create({
    model,
    max_tokens: 300,
    messages: [{ role: 'user', content: 'How long do refunds take? Answer in one sentence.' }],
  });

  const stream = await anthropic.messages.create({
    model,
    max_tokens: 300,
    messages: [{ role: 'user', content: 'Write a two-line poem about receipts.' }],
    stream: true,
  });
  let poem = '';
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') poem += event.delta.text;
  }

  summary =
    `message (${message.usage.output_tokens} output tokens), ` +
    `streamed message (${poem.length} characters) with ${model}`;
} finally {
  await shutdown(); // sends or writes what is queued; calls still queued at exit would be lost
  console.log(`anthropic example: ${summary}; ${whereCallsWent()}`);
}
