import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { SpanSpec } from './otlp-sdk.js';

/**
 * Traces as instrumented programs send them: a GenAI-conventions assistant (formats.md §3), pydantic-ai agent runs
 * as Logfire records them (§4) and nested agents. Every figure a test expects is computed from these trees.
 */

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

interface Usage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** A GenAI-conventions inference span, `chat {model}`, kind CLIENT. */
export function chatSpan(
  key: string,
  start: number,
  ms: number,
  provider: string,
  model: string,
  usage: Usage,
  extra: Attributes = {},
): SpanSpec {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.response.model': model,
    'gen_ai.response.id': `resp-${key}`,
    'gen_ai.response.finish_reasons': ['stop'],
    'gen_ai.usage.input_tokens': usage.input,
    'gen_ai.usage.output_tokens': usage.output,
    ...extra,
  };
  if (usage.cacheRead !== undefined) attributes['gen_ai.usage.cache_read.input_tokens'] = usage.cacheRead;
  if (usage.cacheWrite !== undefined) attributes['gen_ai.usage.cache_creation.input_tokens'] = usage.cacheWrite;
  if (usage.reasoning !== undefined) attributes['gen_ai.usage.reasoning.output_tokens'] = usage.reasoning;
  return { key, name: `chat ${model}`, start, ms, kind: SpanKind.CLIENT, attributes };
}

/** A tool span: not about an LLM, so Tally accepts it and stores nothing. */
export function toolSpan(key: string, start: number, ms: number, tool: string, children: SpanSpec[] = []): SpanSpec {
  return {
    key,
    name: `execute_tool ${tool}`,
    start,
    ms,
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool },
    children,
  };
}

/** The expected call a chat span becomes, for the assertions. */
export interface ExpectedCall {
  key: string;
  input: number;
  output: number;
  cost: number | null;
  failed: boolean;
  /** Start, epoch ms. */
  at: number;
  session: string;
  agent: string;
  user: string;
}

// ---- GenAI conventions: an assistant invoking three models under one agent span ----

/**
 * An agent span over three model calls and a tool call. The agent, its version and the user are on the agent span
 * only, so the calls must inherit them; two calls carry the conversation id themselves, one inherits it.
 */
export function assistantTrace(t0: number, conversation: string): SpanSpec[] {
  return [
    {
      key: 'agent',
      name: 'invoke_agent support_agent',
      start: t0,
      ms: 9_000,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'openai',
        'gen_ai.agent.name': 'support_agent',
        'gen_ai.agent.id': 'asst_5j66UpCpwteGg4YSxUnt7lPY',
        'gen_ai.agent.version': '2.1.0',
        'gen_ai.conversation.id': conversation,
        'user.id': 'u-otel',
      },
      children: [
        chatSpan(
          'gpt-4o',
          t0 + 100,
          1_500,
          'openai',
          'gpt-4o',
          { input: 1_200, output: 300, cacheRead: 200 },
          {
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.request.temperature': 0.2,
            'gen_ai.request.max_tokens': 1024,
            'gen_ai.request.stream': true,
            'gen_ai.response.time_to_first_chunk': 0.25,
            'gen_ai.conversation.id': conversation,
            'server.address': 'api.openai.com',
          },
        ),
        toolSpan('lookup', t0 + 1_700, 400, 'lookup_order'),
        chatSpan(
          'claude',
          t0 + 2_200,
          3_000,
          'anthropic',
          'claude-sonnet-4-5',
          { input: 5_200, output: 700, cacheRead: 4_000, cacheWrite: 300, reasoning: 120 },
          {
            'gen_ai.request.stream': true,
            'gen_ai.response.time_to_first_chunk': 0.8,
            'gen_ai.conversation.id': conversation,
          },
        ),
        chatSpan(
          'o3-mini',
          t0 + 5_400,
          3_400,
          'openai',
          'o3-mini',
          { input: 800, output: 1_500, reasoning: 1_024 },
          { 'gen_ai.request.stream': false },
        ),
      ],
    },
    chatSpan(
      'solo',
      t0 + 20_000,
      600,
      'openai',
      'gpt-4o-mini',
      { input: 100, output: 20 },
      { 'gen_ai.conversation.id': 'conv-solo', 'user.id': 'u-solo' },
    ),
  ];
}

// ---- pydantic-ai as Logfire records it ----

export const PYDANTIC_SCOPE = { name: 'pydantic-ai', version: '1.0.14' };

interface PydanticCall {
  key: string;
  model: string;
  ms: number;
  input?: number;
  output?: number;
  cacheRead?: number;
  /** operation.cost in USD; absent when the price is unknown or the request failed. */
  cost?: number;
  error?: { type: string; message: string };
}

export interface PydanticRun {
  key: string;
  start: number;
  ms: number;
  conversation: string;
  /** On the run span as `user.id`; null when the user comes from the resource instead. */
  user: string | null;
  calls: PydanticCall[];
  /** A tool call between the first and second model request. */
  tool?: boolean;
  error?: { type: string; message: string };
}

const AGENT = 'support_agent';

/** pydantic-ai's model request span: `chat {model}` with only non-zero usage, `operation.cost`, agent and conversation. */
function pydanticChat(call: PydanticCall, start: number, run: PydanticRun): SpanSpec {
  const provider = call.model.startsWith('claude') ? 'anthropic' : 'openai';
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': provider,
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': call.model,
    'gen_ai.agent.name': AGENT,
    'gen_ai.conversation.id': run.conversation,
    model_request_parameters: '{"function_tools":[],"output_mode":"text","allow_text_output":true}',
    'logfire.msg': `chat ${call.model}`,
    'logfire.span_type': 'span',
  };
  if (!call.error) attributes['gen_ai.response.model'] = call.model;
  if (call.input) attributes['gen_ai.usage.input_tokens'] = call.input;
  if (call.output) attributes['gen_ai.usage.output_tokens'] = call.output;
  if (call.cacheRead) attributes['gen_ai.usage.details.cache_read_tokens'] = call.cacheRead;
  if (call.cost !== undefined) attributes['operation.cost'] = call.cost;
  if (call.error) attributes['logfire.level_num'] = 17;
  return {
    key: call.key,
    name: `chat ${call.model}`,
    start,
    ms: call.ms,
    kind: SpanKind.CLIENT,
    attributes,
    error: call.error,
  };
}

/** An agent run span `invoke_agent support_agent` over its model requests, with the aggregate usage and cost. */
export function pydanticRun(run: PydanticRun): SpanSpec {
  const children: SpanSpec[] = [];
  let t = run.start + 50;
  run.calls.forEach((call, i) => {
    children.push(pydanticChat(call, t, run));
    t += call.ms + 50;
    if (i === 0 && run.tool) {
      children.push({
        key: `${run.key}-tools`,
        name: 'running 1 tool',
        start: t,
        ms: 200,
        attributes: { 'logfire.msg': 'running 1 tool' },
        children: [toolSpan(`${run.key}-lookup`, t + 10, 150, 'lookup_order')],
      });
      t += 250;
    }
  });
  if (t > run.start + run.ms) throw new Error(`run ${run.key} is shorter than its calls`);
  const sum = (f: (c: PydanticCall) => number | undefined) => run.calls.reduce((n, c) => n + (f(c) ?? 0), 0);
  const attributes: Attributes = {
    'gen_ai.agent.name': AGENT,
    agent_name: AGENT,
    'gen_ai.conversation.id': run.conversation,
    'gen_ai.agent.call.id': `call-${run.key}`,
    model_name: run.calls[0]!.model,
    'logfire.msg': `${AGENT} run`,
    'gen_ai.aggregated_usage.input_tokens': sum((c) => c.input),
    'gen_ai.aggregated_usage.output_tokens': sum((c) => c.output),
    // The run's cost is its requests' cost again: counting both would double it.
    'operation.cost': sum((c) => c.cost),
  };
  if (run.user !== null) attributes['user.id'] = run.user;
  if (run.error) attributes['logfire.level_num'] = 17;
  return {
    key: run.key,
    name: `invoke_agent ${AGENT}`,
    start: run.start,
    ms: run.ms,
    attributes,
    children,
    error: run.error,
  };
}

const RATE_LIMITED = {
  type: 'ModelHTTPError',
  message: 'status_code: 429, model_name: gpt-4o, body: rate limit reached',
};

/**
 * One user's runs over two UTC days (the day before yesterday and yesterday, at 21:00 and later), one of them
 * failing with the model request beneath it, and the user of one run known only from the resource (`resourceUser`).
 */
export function aliceRuns(today: number): { runs: PydanticRun[]; resourceUser: PydanticRun[]; bob: PydanticRun[] } {
  const d1 = today - 27 * HOUR;
  const d2 = today - 3 * HOUR;
  return {
    runs: [
      {
        key: 'run1',
        start: d1,
        ms: 4_200,
        conversation: 'c-1',
        user: 'u-alice',
        tool: true,
        calls: [
          { key: 'run1-a', model: 'gpt-4o', ms: 1_500, input: 2_400, output: 310, cacheRead: 1_024, cost: 0.0091 },
          { key: 'run1-b', model: 'gpt-4o', ms: 1_900, input: 3_100, output: 120, cost: 0.00895 },
        ],
      },
      {
        key: 'run2',
        start: d1 + 30 * 60_000,
        ms: 1_800,
        conversation: 'c-1',
        user: 'u-alice',
        calls: [{ key: 'run2-a', model: 'gpt-4o-mini', ms: 1_400, input: 900, output: 80, cost: 0.000183 }],
      },
      {
        key: 'run3',
        start: d2,
        ms: 2_500,
        conversation: 'c-2',
        user: 'u-alice',
        calls: [
          { key: 'run3-a', model: 'gpt-4o', ms: 1_300, input: 1_500, output: 200, cost: 0.00575 },
          { key: 'run3-b', model: 'gpt-4o', ms: 900, error: RATE_LIMITED },
        ],
        error: RATE_LIMITED,
      },
    ],
    resourceUser: [
      {
        key: 'run4',
        start: d2 + HOUR,
        ms: 6_100,
        conversation: 'c-3',
        user: null,
        calls: [
          {
            key: 'run4-a',
            model: 'claude-sonnet-4-5',
            ms: 1_800,
            input: 4_000,
            output: 600,
            cacheRead: 3_000,
            cost: 0.0111,
          },
          { key: 'run4-b', model: 'claude-sonnet-4-5', ms: 1_900, input: 4_500, output: 300, cost: 0.0093 },
          { key: 'run4-c', model: 'claude-sonnet-4-5', ms: 2_100, input: 5_000, output: 250, cost: 0.0089 },
        ],
      },
    ],
    bob: [
      {
        key: 'run5',
        start: d2 + 30 * 60_000,
        ms: 3_000,
        conversation: 'c-bob',
        user: 'u-bob',
        calls: [{ key: 'run5-a', model: 'gpt-4o', ms: 2_000, input: 50_000, output: 2_000, cost: 0.5 }],
      },
    ],
  };
}

/** The calls of pydantic-ai runs as Tally should store them; `user` is the run's, or the resource's. */
export function expectedPydanticCalls(runs: readonly PydanticRun[], resourceUser?: string): ExpectedCall[] {
  return runs.flatMap((run) => {
    let t = run.start + 50;
    return run.calls.map((c, i) => {
      const at = t;
      t += c.ms + 50 + (i === 0 && run.tool ? 250 : 0);
      return {
        key: c.key,
        input: c.input ?? 0,
        output: c.output ?? 0,
        cost: c.cost ?? null,
        failed: c.error !== undefined,
        at,
        session: run.conversation,
        agent: AGENT,
        user: run.user ?? resourceUser ?? '',
      };
    });
  });
}

// ---- Nested agents, for delivery in any order ----

const nestedChat = (key: string, start: number, ms: number, input: number, cost: number, extra: Attributes = {}) =>
  chatSpan(
    key,
    start,
    ms,
    'openai',
    'gpt-4o-mini',
    { input, output: Math.round(input / 10) },
    {
      'operation.cost': cost,
      ...extra,
    },
  );

/**
 * A planner agent that delegates to a researcher agent (through a tool span), a call with an agent of its own
 * beneath the researcher, and a second trace whose run fails. The calls carry neither agent, conversation nor
 * user: they inherit them from the innermost run above them.
 */
export function nestedTraces(t: number): SpanSpec[] {
  const agent = (name: string, version: string, conversation: string): Attributes => ({
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': name,
    'gen_ai.agent.version': version,
    'gen_ai.conversation.id': conversation,
    'user.id': 'u-ooo',
  });
  return [
    {
      key: 'outer',
      name: 'invoke_agent planner',
      start: t,
      ms: 10_000,
      attributes: agent('planner', '1.0.0', 'conv-plan'),
      children: [
        nestedChat('A', t + 100, 800, 1_000, 0.01),
        toolSpan('delegate', t + 1_000, 7_000, 'delegate_research', [
          {
            key: 'inner',
            name: 'invoke_agent researcher',
            start: t + 1_100,
            ms: 6_500,
            attributes: agent('researcher', '3.0.0', 'conv-research'),
            children: [
              nestedChat('B', t + 1_200, 1_300, 2_000, 0.02),
              toolSpan('search', t + 2_600, 1_400, 'web_search', [nestedChat('C', t + 2_700, 800, 3_000, 0.03)]),
              nestedChat('D', t + 5_000, 1_000, 4_000, 0.04, {
                'gen_ai.agent.name': 'critic',
                'gen_ai.agent.version': '0.4.0',
              }),
            ],
          },
        ]),
        nestedChat('F', t + 8_500, 1_000, 5_000, 0.05),
      ],
    },
    {
      key: 'summarizer',
      name: 'invoke_agent summarizer',
      start: t + 60_000,
      ms: 3_000,
      attributes: agent('summarizer', '2.2.0', 'conv-sum'),
      error: { type: 'UnexpectedModelBehavior', message: 'Exceeded maximum retries (1) for output validation' },
      children: [nestedChat('G', t + 60_100, 1_000, 6_000, 0.06), nestedChat('H', t + 61_200, 1_500, 7_000, 0.07, {})],
    },
  ];
}

/** What each call of `nestedTraces` must end up with: [agent, version, conversation]. */
export const NESTED_EXPECTED: Record<string, [string, string, string]> = {
  A: ['planner', '1.0.0', 'conv-plan'],
  B: ['researcher', '3.0.0', 'conv-research'],
  C: ['researcher', '3.0.0', 'conv-research'],
  D: ['critic', '0.4.0', 'conv-research'],
  F: ['planner', '1.0.0', 'conv-plan'],
  G: ['summarizer', '2.2.0', 'conv-sum'],
  H: ['summarizer', '2.2.0', 'conv-sum'],
};
