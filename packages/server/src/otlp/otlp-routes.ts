import { Type, type TSchema } from '@sinclair/typebox';
import {
  mapLogs,
  mapMetrics,
  mapTraces,
  type ExportLogsServiceRequest,
  type ExportMetricsServiceRequest,
  type ExportTraceServiceRequest,
} from '@tally/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TallyContext } from '../context.js';
import { TallyError } from '../errors.js';
import { ErrorSchema } from '../routes/schemas.js';
import { OTLP_MEDIA_TYPES, decompress, encodingOf } from './otlp-body.js';
import {
  OtlpDecodeError,
  checkJson,
  decodeProtobuf,
  encodeResponse,
  encodeStatus,
  grpcCode,
  responseObject,
  type Signal,
} from './otlp-codec.js';
import * as ex from './otlp-examples.js';

/** What one export did: how many items were rejected, and why. */
interface Outcome {
  rejected: number;
  errors: string[];
}

const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

const WHAT: Record<Signal, { items: string; stored: string; request: string; example: unknown }> = {
  traces: {
    items: 'spans',
    stored: 'LLM calls and agent runs (other spans are accepted and ignored)',
    request: 'ExportTraceServiceRequest',
    example: ex.traces,
  },
  logs: {
    items: 'log records',
    stored: 'application logs',
    request: 'ExportLogsServiceRequest',
    example: ex.logs,
  },
  metrics: {
    items: 'metric data points',
    stored: 'metric samples',
    request: 'ExportMetricsServiceRequest',
    example: ex.metrics,
  },
};

/**
 * OTLP/HTTP on the main port: `POST /v1/traces`, `/v1/logs` and `/v1/metrics`, so that pointing
 * OTEL_EXPORTER_OTLP_ENDPOINT at Tally is all an application needs. Each route lives in its own plugin scope:
 * its body parsers (protobuf and JSON, gzip or deflate) and its error encoding touch no other route.
 */
export function registerOtlpRoutes(app: FastifyInstance, ctx: TallyContext): void {
  for (const signal of SIGNALS) {
    void app.register(async (scope) => {
      installBodyParsers(scope, signal, ctx.config.bodyLimitBytes);
      scope.addHook('onSend', async (req, reply, payload) => encodeError(req, reply, payload));
      scope.post(
        `/v1/${signal}`,
        // The schema documents the route; core checks each item (Fastify would check the protobuf body as a string).
        { config: { access: 'ingest' }, schema: routeSchema(signal), validatorCompiler: () => () => true },
        (req, reply) => exportHandler(ctx, signal, req, reply),
      );
    });
  }
}

async function exportHandler(ctx: TallyContext, signal: Signal, req: FastifyRequest, reply: FastifyReply) {
  const encoding = encodingOf(req.headers['content-type']);
  // A POST without a body has no Content-Type, and no parser ran.
  if (encoding === null) throw unsupportedType(req.headers['content-type']);
  const body = req.body ?? (encoding === 'protobuf' ? {} : undefined);
  if (body === undefined) throw new TallyError('malformed_json', 'the body is empty; send an OTLP JSON object');
  const outcome = await store(ctx, signal, req.projectId, body);
  const response = responseObject(signal, outcome.rejected, outcome.errors);
  if (encoding === 'protobuf')
    return reply
      .code(200)
      .type('application/x-protobuf')
      .send(Buffer.from(encodeResponse(signal, response)));
  return reply.code(200).send(response);
}

/** Maps the decoded request and writes what it yields; nothing is written when nothing was usable. */
async function store(ctx: TallyContext, signal: Signal, projectId: string, body: unknown): Promise<Outcome> {
  const project = ctx.projects.require(projectId);
  const now = Date.now();
  if (signal === 'traces') {
    const m = mapTraces(body as ExportTraceServiceRequest, {
      projectId: project.id,
      now,
      ingestSource: 'otlp',
      capturePolicy: project.capture_policy,
      priceBook: ctx.projects.priceBook(project.id),
    });
    if (m.calls.length > 0 || m.runs.length > 0) await ctx.sink.write({ calls: m.calls, runs: m.runs });
    return m;
  }
  if (signal === 'logs') {
    const m = mapLogs(body as ExportLogsServiceRequest, project.id, now);
    if (m.logs.length > 0) await ctx.sink.write({ logs: m.logs });
    return m;
  }
  const m = mapMetrics(body as ExportMetricsServiceRequest, project.id, now);
  if (m.metrics.length > 0) await ctx.sink.write({ metrics: m.metrics });
  return m;
}

const unsupportedType = (type: string | string[] | undefined) =>
  new TallyError(
    'unsupported_media_type',
    `OTLP accepts Content-Type application/x-protobuf or application/json; got ${typeof type === 'string' && type ? type : 'none'}`,
  );

function installBodyParsers(scope: FastifyInstance, signal: Signal, limit: number): void {
  scope.removeAllContentTypeParsers();
  // Fastify's own JSON parser, for its guard against __proto__ and constructor keys.
  const jsonParser = scope.getDefaultJsonParser('error', 'error');
  const parseJson = (req: FastifyRequest, text: string) =>
    new Promise<unknown>((resolve, reject) =>
      jsonParser(req, text, (err, value) => (err ? reject(jsonError(text)) : resolve(value))),
    );
  scope.addContentTypeParser(
    [...OTLP_MEDIA_TYPES],
    { parseAs: 'buffer', bodyLimit: limit },
    async (req: FastifyRequest, raw: Buffer) => {
      const bytes = await decompress(raw, req.headers['content-encoding'], limit);
      try {
        if (encodingOf(req.headers['content-type']) === 'protobuf') return decodeProtobuf(signal, bytes);
        const text = bytes.toString('utf8');
        if (text.trim() === '') throw new OtlpDecodeError('the body is empty; send an OTLP JSON object');
        return checkJson(signal, await parseJson(req, text));
      } catch (err) {
        if (!(err instanceof OtlpDecodeError)) throw err;
        const code = encodingOf(req.headers['content-type']) === 'json' ? 'malformed_json' : 'bad_request';
        throw new TallyError(code, err.message, undefined, { cause: err });
      }
    },
  );
  scope.addContentTypeParser('*', (req, _payload, done) => done(unsupportedType(req.headers['content-type'])));
}

/** Why Fastify's parser refused a JSON body: a syntax error (JSON.parse says where), or a forbidden key. */
function jsonError(text: string): OtlpDecodeError {
  try {
    JSON.parse(text);
  } catch (err) {
    return new OtlpDecodeError(`the body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return new OtlpDecodeError('the body has a __proto__ or constructor.prototype key, which Tally refuses');
}

/**
 * Errors come from the app's one error handler as Tally's JSON error body. OTLP clients expect a google.rpc.Status
 * in the request's encoding: protobuf requests get it encoded, JSON requests get its `code` and `message` beside
 * Tally's fields.
 */
function encodeError(req: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
  let body: { error?: { message?: unknown } };
  try {
    body = JSON.parse(payload) as typeof body;
  } catch {
    return payload;
  }
  const message = typeof body.error?.message === 'string' ? body.error.message : 'the request failed';
  const code = grpcCode(reply.statusCode);
  if (encodingOf(req.headers['content-type']) === 'protobuf') {
    void reply.type('application/x-protobuf');
    return Buffer.from(encodeStatus(code, message));
  }
  return JSON.stringify({ code, message, ...body });
}

const binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });

function routeSchema(signal: Signal) {
  const w = WHAT[signal];
  const rejectedField = { traces: 'rejectedSpans', logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints' }[signal];
  const responseJson: TSchema = Type.Object(
    {
      partialSuccess: Type.Optional(
        Type.Object({
          [rejectedField]: Type.Optional(Type.Integer({ description: `How many ${w.items} were rejected` })),
          errorMessage: Type.Optional(Type.String({ description: 'Why (the first few reasons)' })),
        }),
      ),
    },
    { examples: [{}, ex.partial[signal]] },
  );
  const errorJson = Type.Composite(
    [
      Type.Object({
        code: Type.Optional(Type.Integer({ description: 'The google.rpc.Code' })),
        message: Type.Optional(Type.String()),
      }),
      ErrorSchema,
    ],
    { examples: [ex.badRequest] },
  );
  const failure = (description: string) => ({
    description,
    content: {
      'application/json': { schema: errorJson },
      'application/x-protobuf': binary('A google.rpc.Status'),
    },
  });
  return {
    tags: ['otlp'],
    summary: `OTLP/HTTP export of ${w.items}, stored as ${w.stored}`,
    description: [
      `An OpenTelemetry ${w.request}, as \`application/x-protobuf\` or \`application/json\` (optionally`,
      '`Content-Encoding: gzip` or `deflate`), answered in the same encoding. Point `OTEL_EXPORTER_OTLP_ENDPOINT` at',
      'Tally and authenticate with `OTEL_EXPORTER_OTLP_HEADERS=x-tally-key=<project key>` (or `Authorization=Bearer',
      `<key>\`). Unusable ${w.items} are counted in \`partialSuccess\` with the reasons; the rest are stored.`,
    ].join(' '),
    body: {
      content: {
        'application/json': { schema: Type.Object({}, { additionalProperties: true, examples: [w.example] }) },
        'application/x-protobuf': binary(`A protobuf ${w.request}`),
      },
    },
    response: {
      200: {
        description: `Stored. Empty on full success; partialSuccess counts the ${w.items} that were rejected`,
        content: {
          'application/json': { schema: responseJson },
          'application/x-protobuf': binary(`A protobuf Export${w.request.slice(6, -7)}Response`),
        },
      },
      400: failure('The body is not a valid OTLP message; nothing was stored'),
      413: failure('The body, once decompressed, is larger than TALLY_BODY_LIMIT_MB'),
      415: failure('The Content-Type or Content-Encoding is not supported'),
    },
  };
}
