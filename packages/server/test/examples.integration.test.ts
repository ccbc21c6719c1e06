import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream, type Reply } from '../../sdk/test/fake-upstream.js';
import { ADMIN, startTestServer, tempDir, type TestServer } from './helpers.js';

/**
 * The example apps in examples/ and the SDK snippets of the READMEs, run the way a user runs them: as child
 * processes, with the official clients pointed at a local stand-in for OpenAI and Anthropic through their standard
 * environment variables, and the SDK at a real Tally server (or at a JSONL file).
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const SLOW = 180_000;

// The provider answers with a dated snapshot of the requested model, as OpenAI and Anthropic do.
const SNAPSHOT: Record<string, string> = {
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
};
// `cost` as OpenAI-compatible gateways that report one send it.
const CHAT_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1000 },
  cost: 0.0042,
};
const CHAT_STREAM_USAGE = { prompt_tokens: 900, completion_tokens: 120, total_tokens: 1020 };
const RESPONSES_USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 200 },
  output_tokens: 500,
  output_tokens_details: { reasoning_tokens: 100 },
  total_tokens: 1500,
};
const MESSAGE_USAGE = {
  input_tokens: 100,
  cache_creation_input_tokens: 200,
  cache_read_input_tokens: 1000,
  output_tokens: 50,
};

function openaiRoute(path: string, model: string, stream: boolean): Reply | undefined {
  if (path === '/v1/chat/completions' && !stream) {
    return {
      json: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1_700_000_000,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Refunds take five working days.', refusal: null },
            finish_reason: 'stop',
          },
        ],
        usage: CHAT_USAGE,
      },
    };
  }
  if (path === '/v1/chat/completions') {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'chatcmpl-2',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      usage: null,
    });
    return {
      sse: [
        { data: chunk({ role: 'assistant', content: '' }) },
        { data: chunk({ content: 'Paper trails ' }) },
        { data: chunk({ content: 'of things we bought' }, 'stop') },
        { data: { ...chunk({}), choices: [], usage: CHAT_STREAM_USAGE } },
        { data: '[DONE]' },
      ],
    };
  }
  if (path === '/v1/responses' && !stream) {
    return {
      json: {
        id: 'resp_1',
        object: 'response',
        created_at: 1_700_000_000,
        status: 'completed',
        model,
        output: [
          {
            type: 'message',
            id: 'msg_1',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: 'Indigo.', annotations: [] }],
          },
        ],
        usage: RESPONSES_USAGE,
      },
    };
  }
  return undefined;
}

function anthropicRoute(model: string, stream: boolean): Reply {
  const message = (content: unknown[], usage: unknown) => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: content.length > 0 ? 'end_turn' : null,
    stop_sequence: null,
    usage,
  });
  if (!stream) return { json: message([{ type: 'text', text: 'Refunds take five working days.' }], MESSAGE_USAGE) };
  const delta = (text: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
  return {
    sse: [
      {
        event: 'message_start',
        data: { type: 'message_start', message: message([], { input_tokens: 40, output_tokens: 1 }) },
      },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      { event: 'content_block_delta', data: delta('Paper trails ') },
      { event: 'content_block_delta', data: delta('of things we bought') },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: 60 },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ],
  };
}

function route(path: string, body: Record<string, unknown>): Reply | undefined {
  const requested = String(body.model);
  if (requested === 'boom')
    return { status: 500, json: { error: { message: 'upstream exploded', type: 'server_error' } } };
  const model = SNAPSHOT[requested] ?? requested;
  if (path === '/v1/messages') return anthropicRoute(model, body.stream === true);
  return openaiRoute(path, model, body.stream === true);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a shell command line as written, never throwing: the assertions look at its exit code and output. */
function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd, env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let upstream: FakeUpstream;
let server: TestServer;
let spillDir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream(route);
  server = await startTestServer();
  spillDir = tempDir('tally-examples-');
});
afterAll(async () => {
  await server?.stop();
  await upstream?.close();
});

/** The environment of a user's shell: no provider or Tally settings of the machine running the tests. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(OPENAI_|ANTHROPIC_|TALLY_|LLM_TRACKING_)/.test(k)) env[k] = v;
  }
  return {
    ...env,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: `${upstream.url}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: upstream.url,
    ...extra,
  };
}

/** A project with its own ingest key, so each run's calls are told apart. */
async function project(id: string): Promise<{ TALLY_URL: string; TALLY_API_KEY: string }> {
  expect((await server.call('POST', '/api/v1/projects', { body: { id, name: id }, key: ADMIN })).status).toBe(201);
  const key = await server.call('POST', `/api/v1/projects/${id}/keys`, { body: { scope: 'ingest' }, key: ADMIN });
  expect(key.status).toBe(201);
  return { TALLY_URL: server.url, TALLY_API_KEY: key.body.key as string };
}

async function stored(projectId: string): Promise<any[]> {
  const r = await server.call('GET', '/api/v1/analytics/events?from=0&limit=1000', {
    key: ADMIN,
    headers: { 'x-tally-project': projectId },
  });
  expect(r.status).toBe(200);
  return r.body.events;
}

const readJsonl = (file: string): any[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

/** `npm run example:…` lines of a markdown file's shell blocks, by example name. */
function exampleCommands(markdown = readFileSync(join(ROOT, 'examples', 'README.md'), 'utf8')): Map<string, string> {
  const commands = new Map<string, string>();
  for (const [, block] of markdown.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)) {
    for (const line of block!.split('\n')) {
      const m = /^npm run example:([a-z]+)$/.exec(line.trim());
      if (m) commands.set(m[1]!, line.trim());
    }
  }
  return commands;
}

/** One `## ` section of a markdown text, up to the next one. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  expect(start, `section ## ${title}`).toBeGreaterThan(-1);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** The ```ts blocks of a markdown text. */
const tsBlocks = (markdown: string): string[] => [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

const oneSession = (events: any[]) => {
  const ids = new Set(events.map((e) => e.session_id));
  expect(ids.size).toBe(1);
  expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
};

const who = { user_id: 'alice', agent_name: 'support-bot', agent_version: '1.0.0', status: 'success' };
/** What the server adds to a call the SDK sent. */
const fromSdk = { ...who, ingest_source: 'sdk' };

describe('example apps, run with the commands of examples/README.md', () => {
  const commands = exampleCommands();
  const command = (name: string) => {
    const c = commands.get(name);
    expect(c, `examples/README.md shows npm run example:${name}`).toBeDefined();
    return c!;
  };

  it('lists one command per example app', () => {
    expect([...commands.keys()].sort()).toEqual(['anthropic', 'openai', 'track']);
    for (const name of commands.keys()) expect(existsSync(join(ROOT, 'examples', `${name}.ts`))).toBe(true);
    // The README's SDK section shows the same commands.
    expect(exampleCommands(section(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'SDK'))).toEqual(commands);
  });

  it(
    'track: a tracked HTTP call with reported cost and metadata, and a logged embedding call, reach Tally',
    async () => {
      const tally = await project('example-track');
      const before = upstream.requests.length;
      const r = await sh(command('track'), ROOT, userEnv({ ...tally, LLM_TRACKING_DIR: spillDir }));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        `track example: logged 1 embedding call, answered with gpt-4o-mini (31 characters); sent to Tally at ${server.url}: 2 acknowledged, 0 spilled`,
      );

      const sent = upstream.requests.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', temperature: 0.2 } });

      const events = await stored('example-track');
      expect(events).toHaveLength(2);
      oneSession(events);
      const answer = events.find((e) => e.operation === 'answer_question');
      expect(answer).toMatchObject({
        ...fromSdk,
        provider: 'openai',
        model: 'gpt-4o-mini',
        source_function: 'answerQuestion',
        temperature: 0.2,
        max_tokens: 200,
        input_tokens: 1200,
        output_tokens: 300,
        total_tokens: 1500,
        cache_read_tokens: 1000,
        cost_usd: 0.0042,
        cost_source: 'reported',
        metadata: { response_id: 'chatcmpl-1', response_model: 'gpt-4o-mini-2024-07-18', finish_reason: 'stop' },
      });
      expect(answer.duration_ms).toBeGreaterThan(0);
      expect(events.find((e) => e.operation === 'embed_question')).toMatchObject({
        ...fromSdk,
        provider: 'openai',
        api_type: 'embedding',
        model: 'text-embedding-3-small',
        input_tokens: 12,
        duration_ms: 84,
        source_id: 'kb/refund-policy',
        tags: ['retrieval'],
        cost_source: 'computed',
      });
    },
    SLOW,
  );

  it(
    'track: a failing provider call is recorded as an error, sent before the process exits, which exits 1',
    async () => {
      const tally = await project('example-track-error');
      const r = await sh(
        command('track'),
        ROOT,
        userEnv({ ...tally, LLM_TRACKING_DIR: spillDir, OPENAI_MODEL: 'boom' }),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Chat Completions answered HTTP 500');
      expect(r.stdout).toContain('track example: failed; sent to Tally');
      const failed = (await stored('example-track-error')).find((e) => e.operation === 'answer_question');
      expect(failed).toMatchObject({ status: 'error', model: 'boom', error_type: 'Error' });
      expect(failed.error_message).toContain('upstream exploded');
    },
    SLOW,
  );

  it(
    'track: without TALLY_URL the calls are appended to the JSONL file in LLM_TRACKING_DIR',
    async () => {
      const dir = tempDir('tally-examples-jsonl-');
      const r = await sh(command('track'), ROOT, userEnv({ LLM_TRACKING_DIR: dir }));
      expect(r.code, r.stderr).toBe(0);
      const file = join(dir, 'master_llm_calls.jsonl');
      expect(r.stdout).toContain(`; appended to ${file}: 2 written, 0 dropped, 0 errors`);
      const lines = readJsonl(file);
      expect(lines).toHaveLength(2);
      oneSession(lines);
      expect(lines.find((l) => l.operation === 'answer_question')).toMatchObject({
        ...who,
        provider: 'openai',
        api_provider: 'openai',
        model: 'gpt-4o-mini',
        input_tokens: 1200,
        output_tokens: 300,
        cost_usd: 0.0042,
        cost_estimate: 0.0042,
        cost_source: 'reported',
      });
      expect(lines.find((l) => l.operation === 'embed_question')).toMatchObject({ latency_ms: 84, input_tokens: 12 });
    },
    SLOW,
  );

  it(
    'openai: a chat completion, a streamed one with its time to first token, and a Responses API call reach Tally',
    async () => {
      const tally = await project('example-openai');
      const before = upstream.requests.length;
      const r = await sh(command('openai'), ROOT, userEnv({ ...tally, LLM_TRACKING_DIR: spillDir }));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        'openai example: chat completion (1500 tokens), streamed chat completion (32 characters), ' +
          `Responses API call (1500 tokens) with gpt-4o-mini; sent to Tally at ${server.url}: 3 acknowledged, 0 spilled`,
      );
      const sent = upstream.requests.slice(before);
      expect(sent.map((s) => s.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/responses']);
      expect(sent[1]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

      const events = await stored('example-openai');
      expect(events).toHaveLength(3);
      oneSession(events);
      const model = 'gpt-4o-mini-2024-07-18';
      for (const e of events) {
        expect(e).toMatchObject({
          ...fromSdk,
          provider: 'openai',
          model,
          operation: 'answer_question',
          cost_source: 'computed',
        });
        expect(e.cost_usd).toBeGreaterThan(0);
      }
      const chat = events.filter((e) => e.endpoint === '/v1/chat/completions');
      expect(chat.find((e) => e.stream === false)).toMatchObject({
        input_tokens: 1200,
        output_tokens: 300,
        cache_read_tokens: 1000,
      });
      const streamed = chat.find((e) => e.stream === true);
      expect(streamed).toMatchObject({ input_tokens: 900, output_tokens: 120, total_tokens: 1020 });
      expect(streamed.ttft_ms).toBeGreaterThan(0);
      expect(streamed.ttft_ms).toBeLessThanOrEqual(streamed.duration_ms);
      expect(events.find((e) => e.endpoint === '/v1/responses')).toMatchObject({
        stream: false,
        input_tokens: 1000,
        output_tokens: 500,
        cache_read_tokens: 200,
        reasoning_tokens: 100,
      });
    },
    SLOW,
  );

  it(
    'anthropic: a message with cache tokens and a streamed message with its time to first token reach Tally',
    async () => {
      const tally = await project('example-anthropic');
      const before = upstream.requests.length;
      const r = await sh(command('anthropic'), ROOT, userEnv({ ...tally, LLM_TRACKING_DIR: spillDir }));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(
        'anthropic example: message (50 output tokens), streamed message (32 characters) with claude-haiku-4-5; ' +
          `sent to Tally at ${server.url}: 2 acknowledged, 0 spilled`,
      );
      expect(upstream.requests.slice(before).map((s) => [s.path, s.body.model])).toEqual([
        ['/v1/messages', 'claude-haiku-4-5'],
        ['/v1/messages', 'claude-haiku-4-5'],
      ]);

      const events = await stored('example-anthropic');
      expect(events).toHaveLength(2);
      oneSession(events);
      const model = 'claude-haiku-4-5-20251001';
      // Anthropic's input_tokens leaves out cache tokens; Tally's input is 100 + 200 + 1000.
      expect(events.find((e) => e.stream === false)).toMatchObject({
        ...fromSdk,
        provider: 'anthropic',
        model,
        endpoint: '/v1/messages',
        max_tokens: 300,
        input_tokens: 1300,
        output_tokens: 50,
        cache_read_tokens: 1000,
        cache_write_tokens: 200,
        cost_source: 'computed',
      });
      const streamed = events.find((e) => e.stream === true);
      expect(streamed).toMatchObject({ ...fromSdk, provider: 'anthropic', model, input_tokens: 40, output_tokens: 60 });
      expect(streamed.ttft_ms).toBeGreaterThan(0);
      expect(streamed.ttft_ms).toBeLessThanOrEqual(streamed.duration_ms);
      for (const e of events) expect(e.cost_usd).toBeGreaterThan(0);
    },
    SLOW,
  );
});

describe('README snippets, run as written', () => {
  // A directory outside the repository whose node_modules is the repository's, as in an application that installed
  // @tally/sdk, openai and @anthropic-ai/sdk.
  let dir: string;
  beforeAll(() => {
    dir = tempDir('tally-snippets-');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  });

  const write = (name: string, code: string) => {
    const file = join(dir, name);
    writeFileSync(file, code);
    return file;
  };
  const runTs = (file: string, cwd: string, env: NodeJS.ProcessEnv) =>
    sh(`'${TSX}' --conditions=tally-source '${file}'`, cwd, env);

  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const sdkReadme = readFileSync(join(ROOT, 'packages', 'sdk', 'README.md'), 'utf8');
  // A block that imports something is a program; the others are fragments showing one option.
  const programs = (blocks: string[]) => blocks.filter((b) => /^import /m.test(b));

  it('finds programs in both READMEs', () => {
    expect(programs(tsBlocks(section(readme, 'SDK'))).length).toBeGreaterThanOrEqual(1);
    expect(programs(tsBlocks(sdkReadme)).length).toBeGreaterThanOrEqual(3);
  });

  it(
    "every program compiles under the repository's strict settings",
    async () => {
      const files = [
        ...programs(tsBlocks(section(readme, 'SDK'))).map((code, i) => write(`typecheck-readme-${i}.ts`, code)),
        ...programs(tsBlocks(sdkReadme)).map((code, i) => write(`typecheck-sdk-readme-${i}.ts`, code)),
      ];
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: join(ROOT, 'tsconfig.base.json'),
          compilerOptions: { noEmit: true, customConditions: ['tally-source'] },
          files,
        }),
      );
      const r = await sh(`'${TSC}' -p '${join(dir, 'tsconfig.json')}'`, dir, userEnv({}));
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    },
    SLOW,
  );

  it(
    "README's SDK section: each program sends its calls to a Tally server",
    async () => {
      const tally = await project('readme-sdk');
      let seen = 0;
      const blocks = programs(tsBlocks(section(readme, 'SDK')));
      for (const [i, code] of blocks.entries()) {
        const r = await runTs(write(`readme-${i}.ts`, code), dir, userEnv({ ...tally, LLM_TRACKING_DIR: spillDir }));
        expect(r.code, `README.md SDK block ${i}:\n${code}\n${r.stderr}`).toBe(0);
        const events = await stored('readme-sdk');
        const fresh = events.slice(0, events.length - seen);
        seen = events.length;
        expect(fresh.length, `README.md SDK block ${i} recorded a call`).toBeGreaterThan(0);
        for (const e of fresh) {
          expect(e).toMatchObject({ status: 'success', ingest_source: 'sdk' });
          expect(e.input_tokens).toBeGreaterThan(0);
        }
      }
    },
    SLOW,
  );

  it(
    'packages/sdk/README.md: each program records its calls to the JSONL file, and the analysis reads them',
    async () => {
      const cwd = join(dir, 'app');
      mkdirSync(cwd);
      const file = join(cwd, 'logs', 'llm_tracking', 'master_llm_calls.jsonl');
      let seen = 0;
      let analysed = 0;
      for (const [i, code] of programs(tsBlocks(sdkReadme)).entries()) {
        const r = await runTs(write(`sdk-readme-${i}.ts`, code), cwd, userEnv({}));
        expect(r.code, `packages/sdk/README.md block ${i}:\n${code}\n${r.stderr}`).toBe(0);
        const lines = existsSync(file) ? readJsonl(file) : [];
        const fresh = lines.slice(seen);
        seen = lines.length;
        if (/\b(track|logCall|wrapOpenAI|wrapAnthropic)\(/.test(code)) {
          expect(fresh.length, `packages/sdk/README.md block ${i} recorded a call`).toBeGreaterThan(0);
          for (const l of fresh) {
            expect(l.status).toBe('success');
            expect(l.input_tokens).toBeGreaterThan(0);
            if (l.stream === true) expect(l.ttft_ms).toBeGreaterThan(0);
          }
        }
        const report = /exportUserReport\('([^']+)', '([^']+)'\)/.exec(code);
        if (report) {
          analysed++;
          const written = JSON.parse(readFileSync(join(cwd, report[2]!), 'utf8'));
          expect(written.user_id).toBe(report[1]);
          // The user of the analysis is the user the recording program recorded.
          expect(written.overall_stats.total_calls).toBeGreaterThan(0);
          expect(written.overall_stats.total_tokens).toBeGreaterThan(0);
        }
      }
      expect(analysed).toBe(1);
    },
    SLOW,
  );
});
