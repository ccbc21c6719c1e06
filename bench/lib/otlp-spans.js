// Realistic OTLP trace export requests for the OTLP benchmark: what an instrumented web service running a
// pydantic-ai agent sends. Each trace is an HTTP server span, an agent run beneath it (`invoke_agent …`) with one to
// five model requests (`chat {model}`, 2% of them failing with an `exception` event) and tool calls, and a
// database span. About 40% of the spans become calls, 13% agent runs, the rest are accepted and ignored.
import { mulberry32 } from './events.js';
import { encodeTraceRequest } from './otlp-proto.js';

/** [provider, model, weight, typical input tokens, typical output tokens, USD per million input, output] */
const MODELS = [
  ['openai', 'gpt-4o-mini', 34, 1900, 220, 0.15, 0.6],
  ['openai', 'gpt-4o', 20, 3800, 420, 2.5, 10],
  ['anthropic', 'claude-sonnet-4-5', 24, 5600, 650, 3, 15],
  ['google', 'gemini-2.0-flash', 16, 2400, 300, 0.1, 0.4],
  ['anthropic', 'claude-haiku-4-5', 6, 1500, 180, 1, 5],
];
const AGENTS = ['support_agent', 'triage_agent', 'sql_agent', 'summarizer'];
const TOOLS = ['lookup_order', 'search_docs', 'run_sql', 'send_email'];
const ROUTES = ['/v1/chat', '/v1/tickets/{id}/reply', '/v1/reports'];
const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };

const RESOURCE = {
  'service.name': 'support-api',
  'service.version': '4.12.0',
  'deployment.environment.name': 'production',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.language': 'python',
  'telemetry.sdk.version': '1.38.0',
  'host.name': 'support-api-7d9f8c6b5-x2l4q',
  'process.pid': 4711,
};

/**
 * Builds `requests` request bodies of about `spansPerRequest` spans each, start times up to `spreadMs` before
 * `now`. Every trace id and span id is unique across the bodies; `generation` bytes are stamped in per send.
 */
export function buildTraceRequests({ requests, spansPerRequest, spreadMs, now = Date.now(), seed = 42 }) {
  const random = mulberry32(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const totalWeight = MODELS.reduce((n, m) => n + m[2], 0);
  const pickModel = () => {
    let r = random() * totalWeight;
    for (const m of MODELS) if ((r -= m[2]) < 0) return m;
    return MODELS[0];
  };
  const around = (typical) => Math.max(1, Math.round(typical * Math.exp((random() + random() + random() - 1.5) * 1.1)));
  let idSeq = 0;
  // 4 bytes left for the generation stamp, 4 bytes unique across the whole workload.
  const spanId = () => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(++idSeq, 4);
    return b;
  };
  const traceId = () => {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(Math.floor(random() * 2 ** 32), 4);
    b.writeUInt32BE(Math.floor(random() * 2 ** 32), 8);
    b.writeUInt32BE(++idSeq, 12);
    return b;
  };

  /** One trace: { llm: spans of the pydantic-ai scope, http: [server span], db: [db span], calls, runs }. */
  function trace() {
    const tid = traceId();
    const t0 = now - spreadMs * random() - 60_000;
    const user = `user-${String(Math.floor(random() * 400)).padStart(4, '0')}`;
    const conversation = `conv-${Math.floor(random() * 900)}`;
    const agent = pick(AGENTS);
    const route = pick(ROUTES);
    const http = {
      traceId: tid,
      spanId: spanId(),
      name: `POST ${route}`,
      kind: SPAN_KIND.SERVER,
      start: t0,
      attributes: {
        'http.request.method': 'POST',
        'http.route': route,
        'url.path': route.replace('{id}', String(Math.floor(random() * 1e6))),
        'url.scheme': 'https',
        'server.address': 'support.internal',
        'network.protocol.version': '1.1',
        'user_agent.original': 'support-web/4.12 (+browser)',
        'client.address': `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`,
      },
    };
    const run = {
      traceId: tid,
      spanId: spanId(),
      parentSpanId: http.spanId,
      name: `invoke_agent ${agent}`,
      kind: SPAN_KIND.INTERNAL,
      start: t0 + 5,
    };
    const llm = [];
    let t = run.start + 10;
    let input = 0;
    let output = 0;
    let cost = 0;
    let failed = false;
    const requestsInRun = 1 + Math.floor(random() * 5);
    for (let i = 0; i < requestsInRun && !failed; i++) {
      const [provider, model, , inTyp, outTyp, inPrice, outPrice] = pickModel();
      const inTok = around(inTyp);
      const outTok = around(outTyp);
      const ms = 300 + Math.round(outTok * (8 + random() * 20));
      failed = random() < 0.02;
      const span = {
        traceId: tid,
        spanId: spanId(),
        parentSpanId: run.spanId,
        name: `chat ${model}`,
        kind: SPAN_KIND.CLIENT,
        start: t,
        end: t + ms,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.system': provider,
          'gen_ai.provider.name': provider,
          'gen_ai.request.model': model,
          'gen_ai.agent.name': agent,
          'gen_ai.conversation.id': conversation,
          'server.address': `${provider}.example`,
          model_request_parameters: '{"function_tools":[{"name":"lookup_order"}],"output_mode":"text"}',
          'logfire.msg': `chat ${model}`,
          'logfire.span_type': 'span',
        },
      };
      if (failed) {
        span.status = { code: 2, message: 'status_code: 429, body: rate limit reached' };
        span.attributes['logfire.level_num'] = 17;
        span.events = [
          {
            time: t + ms,
            name: 'exception',
            attributes: {
              'exception.type': 'ModelHTTPError',
              'exception.message': 'status_code: 429, body: rate limit reached',
              'exception.escaped': 'False',
            },
          },
        ];
      } else {
        const c = (inTok * inPrice + outTok * outPrice) / 1e6;
        Object.assign(span.attributes, {
          'gen_ai.response.model': model,
          'gen_ai.response.id': `resp_${idSeq.toString(36)}`,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': inTok,
          'gen_ai.usage.output_tokens': outTok,
          'operation.cost': Number(c.toFixed(8)),
        });
        if (random() < 0.3) span.attributes['gen_ai.usage.details.cache_read_tokens'] = Math.floor(inTok * 0.6);
        input += inTok;
        output += outTok;
        cost += c;
      }
      llm.push(span);
      t += ms + 5;
      if (!failed && random() < 0.4) {
        const tool = pick(TOOLS);
        const running = { traceId: tid, spanId: spanId(), parentSpanId: run.spanId, name: 'running 1 tool', start: t };
        const exec = {
          traceId: tid,
          spanId: spanId(),
          parentSpanId: running.spanId,
          name: `execute_tool ${tool}`,
          start: t + 1,
          end: t + 80,
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': tool,
            'gen_ai.tool.call.id': `call_${idSeq}`,
          },
        };
        running.end = t + 85;
        running.attributes = { 'logfire.msg': 'running 1 tool' };
        llm.push(exec, running);
        t += 90;
      }
    }
    run.end = t + 5;
    run.attributes = {
      'gen_ai.agent.name': agent,
      agent_name: agent,
      'gen_ai.conversation.id': conversation,
      'user.id': user,
      'logfire.msg': `${agent} run`,
      'gen_ai.aggregated_usage.input_tokens': input,
      'gen_ai.aggregated_usage.output_tokens': output,
      'operation.cost': Number(cost.toFixed(8)),
    };
    if (failed) run.status = { code: 2, message: 'status_code: 429, body: rate limit reached' };
    llm.push(run);
    const db = {
      traceId: tid,
      spanId: spanId(),
      parentSpanId: http.spanId,
      name: 'SELECT support.orders',
      kind: SPAN_KIND.CLIENT,
      start: run.end + 2,
      end: run.end + 9,
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'support',
        'db.operation.name': 'SELECT',
        'db.query.text':
          'SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20',
        'server.address': 'db.internal',
        'server.port': 5432,
      },
    };
    http.end = db.end + 3;
    http.attributes['http.response.status_code'] = failed ? 500 : 200;
    const calls = llm.filter((s) => s.name.startsWith('chat ')).length;
    return { llm, http: [http], db: [db], calls, runs: 1, spans: llm.length + 2 };
  }

  const bodies = [];
  let spans = 0;
  let calls = 0;
  let runs = 0;
  let bytes = 0;
  for (let r = 0; r < requests; r++) {
    const scopes = { llm: [], http: [], db: [] };
    const count = { spans: 0, calls: 0, runs: 0 };
    while (count.spans < spansPerRequest) {
      const tr = trace();
      for (const k of Object.keys(scopes)) scopes[k].push(...tr[k]);
      count.spans += tr.spans;
      count.calls += tr.calls;
      count.runs += tr.runs;
    }
    spans += count.spans;
    calls += count.calls;
    runs += count.runs;
    const encoded = encodeTraceRequest([
      {
        resource: RESOURCE,
        scopes: [
          { name: 'pydantic-ai', version: '1.0.14', spans: scopes.llm },
          { name: 'opentelemetry.instrumentation.fastapi', version: '0.59b0', spans: scopes.http },
          { name: 'opentelemetry.instrumentation.asyncpg', version: '0.59b0', spans: scopes.db },
        ],
      },
    ]);
    bodies.push({ ...encoded, ...count });
    bytes += encoded.body.length;
  }
  return { bodies, spans, calls, runs, bytes };
}
