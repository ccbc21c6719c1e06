import type { CallEvent } from '@tally/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent } from 'undici';
import { projectFor } from '../auth/auth-hook.js';
import type { Principal } from '../auth/principal.js';
import type { Admission, Refusal } from '../budgets/budget-gate.js';
import type { TallyContext } from '../context.js';
import { TallyError } from '../errors.js';
import { ClientAddress } from './client-address.js';
import { exchange } from './exchange.js';
import { providerError, PROXY_ERRORS, type ProxyErrorCode } from './provider-errors.js';
import { callerOf } from './proxy-caller.js';
import { PROXY_ENDPOINTS, type Family, type ProxyEndpoint } from './proxy-endpoints.js';
import { CallBatcher } from './call-batcher.js';
import { callInput, prepareProxiedCall } from './proxy-record.js';
import { routeSchema } from './proxy-schemas.js';
import { readRequest } from './request-info.js';
import { watcherFor } from './response-watchers.js';
import { upstreamHeaders, upstreamPath, upstreamTarget, type UpstreamTarget } from './upstream.js';

/**
 * The recording proxy: OpenAI- and Anthropic-format routes under /proxy/openai and /proxy/anthropic that forward
 * each request to the configured upstream, pass the answer back as it arrives (streams chunk by chunk), and record
 * one LLM call for it once the answer is over. The caller names its Tally project with `x-tally-key`, because the
 * Authorization header carries its provider key. Bodies are forwarded byte for byte, never re-serialized.
 */
export function registerProxyRoutes(app: FastifyInstance, ctx: TallyContext): void {
  // One pooled agent: keep-alive connections to each upstream are reused across requests.
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 }); // TALLY_UPSTREAM_TIMEOUT_MS bounds each request
  const batcher = new CallBatcher(ctx.sink, app.log);
  // Requests in flight have ended when onClose runs; their records are written before the store closes.
  app.addHook('onClose', async () => {
    await batcher.flush();
    await agent.close();
  });
  const targets: Record<Family, UpstreamTarget> = {
    openai: upstreamTarget('openai', ctx.config.upstreams.openai),
    anthropic: upstreamTarget('anthropic', ctx.config.upstreams.anthropic),
  };
  const addresses = new ClientAddress(ctx.config.trustedProxies);

  void app.register(async (scope) => {
    // Bodies stay bytes: forwarded as the client sent them, and parsed once on the side for the record.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, req, reply) => answerError(err as Error, req, reply));
    for (const endpoint of PROXY_ENDPOINTS) {
      const target = targets[endpoint.family];
      scope.route({
        method: endpoint.method,
        url: `/proxy/${endpoint.family}${endpoint.path}`,
        schema: routeSchema(endpoint),
        exposeHeadRoute: false,
        validatorCompiler: () => () => true,
        serializerCompiler: () => (data) => JSON.stringify(data),
        onRequest: async (req) => {
          req.projectId = projectOf(ctx, req);
        },
        handler: (req, reply) => forward({ ctx, endpoint, target, agent, addresses, batcher }, req, reply),
      });
    }
  });
}

const header = (v: string | string[] | undefined): string | null => {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : null;
};

/**
 * The project a proxied request records into, from `x-tally-key` only (Authorization and x-api-key carry the
 * provider key). A server without keys records into the default project; the admin token may name another with
 * `x-tally-project`, as on every route.
 */
function projectOf(ctx: TallyContext, req: FastifyRequest): string {
  const secret = header(req.headers['x-tally-key']);
  if (secret === null && !ctx.auth.open) {
    throw new TallyError(
      'unauthorized',
      'send an API key of your Tally project in the x-tally-key header (Authorization carries your provider key); create one with `tally keys create --project <id> --scope ingest`',
    );
  }
  let principal: Principal;
  try {
    principal = ctx.auth.authenticate(secret, 'ingest');
  } catch (err) {
    if (err instanceof TallyError && err.code === 'unauthorized')
      throw new TallyError('unauthorized', 'the x-tally-key is not a valid Tally API key (unknown or revoked)');
    throw err;
  }
  return ctx.projects.require(projectFor(req, principal)).id;
}

/** What every proxied request of one route shares. */
interface RouteState {
  ctx: TallyContext;
  endpoint: ProxyEndpoint;
  target: UpstreamTarget;
  agent: Agent;
  addresses: ClientAddress;
  batcher: CallBatcher;
}

async function forward(state: RouteState, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { ctx, endpoint, target, agent, addresses } = state;
  const t0 = performance.now();
  const timestamp = Date.now();
  const body = Buffer.isBuffer(req.body) ? req.body : null;
  const project = ctx.projects.require(req.projectId);
  const mode = endpoint.mode;
  const caller = callerOf(endpoint.family, req.headers);
  // Read now: once the client hangs up, its socket no longer knows the address.
  const clientIp = addresses.of(req.raw.socket.remoteAddress, req.headers['x-forwarded-for']);
  const capture = project.capture_policy !== 'none';
  const request = mode ? readRequest(mode, parseBody(body)) : null;

  let admission: Admission | null = null;
  if (request) {
    const answer = await ctx.budgetGate.admit({
      projectId: project.id,
      userId: caller.userId ?? request.user,
      agentName: caller.agentName,
      apiKeyId: caller.apiKeyId,
      model: request.model,
    });
    if (!answer.ok) return refuse(reply, endpoint.family, answer.refusal);
    admission = answer.admission;
  }

  const ownHeaders = reply.getHeaders();
  reply.hijack();
  let call: CallEvent | null = null;
  try {
    const outcome = await exchange({
      agent,
      target,
      method: endpoint.method,
      path: upstreamPath(target, endpoint.path, req.url),
      headers: upstreamHeaders(target, req.headers),
      body,
      timeoutMs: ctx.config.upstreamTimeoutMs,
      watcher: mode ? watcherFor(mode, capture) : null,
      res: reply.raw,
      ownHeaders,
      t0,
    });
    if (!request) return;
    const raw = callInput({
      endpoint,
      target,
      request,
      caller,
      clientIp,
      timestamp,
      requestBytes: body?.length ?? 0,
      outcome,
      capture,
    });
    call = prepareProxiedCall(
      raw,
      {
        projectId: project.id,
        now: Date.now(),
        ingestSource: 'proxy',
        capturePolicy: project.capture_policy,
        priceBook: ctx.projects.priceBook(project.id),
      },
      req.log,
    );
    if (!call) return;
    logCall(req, call);
    state.batcher.add(call);
  } catch (err) {
    req.log.error({ err }, 'the proxy failed to record a call');
  } finally {
    admission?.settle(call);
  }
}

/** Tally's own trouble reaching the upstream is worth a warning; everything else is in the record. */
const WARN = new Set(['upstream_unreachable', 'upstream_timeout', 'upstream_broken']);

function logCall(req: FastifyRequest, call: CallEvent): void {
  const level = call.error_type !== null && WARN.has(call.error_type) ? 'warn' : 'debug';
  req.log[level](
    {
      call_id: call.id,
      project_id: call.project_id,
      endpoint: call.endpoint,
      model: call.model,
      status: call.status,
      status_code: call.status_code,
      duration_ms: call.duration_ms,
      backend: call.backend,
      error_message: call.error_message,
    },
    'proxied call',
  );
}

function parseBody(body: Buffer | null): unknown {
  if (body === null || body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // forwarded as it is; the upstream answers it
  }
}

/** 429 for a request a hard budget refuses, in the provider's shape, with Retry-After when the reset is known. */
function refuse(reply: FastifyReply, family: Family, r: Refusal): FastifyReply {
  const resets =
    r.resetsAt === null
      ? 'it is a rolling window and frees up as older calls leave it'
      : `it resets at ${new Date(r.resetsAt).toISOString()}`;
  const message = `Tally: budget "${r.name}" is used up (${r.used} of ${r.limit} ${r.metric}); ${resets}. ${r.message}`;
  const body = providerError(family, 'budget_exceeded', message) as { error: Record<string, unknown> };
  body.error.budget = {
    id: r.budgetId,
    name: r.name,
    metric: r.metric,
    limit: r.limit,
    used: r.used,
    resets_at: r.resetsAt === null ? null : new Date(r.resetsAt).toISOString(),
  };
  if (r.resetsAt !== null)
    reply.header('retry-after', String(Math.max(1, Math.ceil((r.resetsAt - Date.now()) / 1000))));
  return reply.code(429).header('x-tally-error', 'budget_exceeded').send(body);
}

const TALLY_CODES: Partial<Record<string, ProxyErrorCode>> = {
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  payload_too_large: 'payload_too_large',
};

/** Errors before forwarding (auth, body limits) in the provider's shape, so the client's SDK reports them as usual. */
function answerError(err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const family: Family = req.url.startsWith('/proxy/anthropic') ? 'anthropic' : 'openai';
  const fe = err as Error & { code?: string; statusCode?: number };
  let code: ProxyErrorCode;
  let message: string;
  if (err instanceof TallyError) {
    code = TALLY_CODES[err.code] ?? (err.status < 500 ? 'invalid_request' : 'internal_error');
    message = `Tally: ${err.message}`;
  } else if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    code = 'payload_too_large';
    message = 'Tally: the body is larger than TALLY_BODY_LIMIT_MB allows';
  } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    code = 'invalid_request';
    message = `Tally: ${err.message}`;
  } else {
    req.log.error({ err }, 'proxy error');
    code = 'internal_error';
    message = `Tally: an internal error occurred; quote request id ${req.id} when reporting it`;
  }
  return reply
    .code(PROXY_ERRORS[code])
    .header('x-tally-error', code)
    .send(providerError(family, code, message));
}
