// Run by wrap-openai.test.ts with --expose-gc: drops a wrapped stream unread, then forces collection.
import OpenAI from 'openai';
import { configure, flush, wrapOpenAI } from '../src/index.js';
import { startFakeUpstream } from './fake-upstream.js';

const [dir, file] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!dir || !file || !gc) throw new Error('usage: node --expose-gc --import tsx dropped-stream-child.ts DIR FILE');
configure({ dir, file });
const upstream = await startFakeUpstream(() => ({
  sse: [
    { data: { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06', choices: [] } },
    { data: '[DONE]' },
  ],
}));
const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${upstream.url}/v1`, maxRetries: 0 }));

async function dropOne(): Promise<void> {
  await client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true });
}
await dropOne();
for (let i = 0; i < 20; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 20));
}
await flush();
await upstream.close().catch(() => undefined);
process.exit(0);
