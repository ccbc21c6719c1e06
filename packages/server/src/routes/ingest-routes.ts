import { Type } from '@sinclair/typebox';
import {
  AppLogInputSchema,
  CallEventInputSchema,
  LIMITS,
  MetricPointInputSchema,
  describeFieldErrors,
  prepareAppLog,
  prepareCallEvent,
  prepareMetricPoint,
  type AppLog,
  type FieldError,
  type MetricPoint,
  type IngestSource,
  type PrepareContext,
  type Prepared,
} from '@tally/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TallyContext } from '../context.js';
import { TallyError, invalid } from '../errors.js';
import { ErrorSchema, ItemResultsSchema } from './schemas.js';
import * as ex from './ingest-examples.js';

/** One entry of a 207 answer: the item's own status and, when it was rejected, why. */
export interface ItemResult {
  index: number;
  id: string | null;
  status: number;
  /** Set on a call that was already stored (same id and timestamp): it is answered 201 and not stored twice. */
  duplicate?: true;
  error?: { code: 'validation_failed'; message: string; fields: FieldError[] };
}

// Bodies are validated item by item by core (so one bad item never sinks a batch, and errors name each field);
// the schemas below document the routes and are not run by Fastify.
const noFastifyValidation = () => () => true;
const SOURCES: readonly IngestSource[] = ['api', 'sdk', 'import', 'litellm'];

export function registerIngestRoutes(app: FastifyInstance, ctx: TallyContext): void {
  const contextFor = (req: FastifyRequest): PrepareContext => {
    const project = ctx.projects.require(req.projectId);
    const source = req.headers['x-tally-source'];
    return {
      projectId: project.id,
      now: Date.now(),
      ingestSource: SOURCES.find((s) => s === source) ?? 'api',
      capturePolicy: project.capture_policy,
      priceBook: ctx.projects.priceBook(project.id),
    };
  };

  app.post(
    '/api/v1/ingest/llm',
    {
      config: { access: 'ingest' },
      validatorCompiler: noFastifyValidation,
      schema: {
        tags: ['ingest'],
        summary: 'Record one LLM call',
        body: { ...CallEventInputSchema, examples: [ex.llmCall] },
        response: {
          201: Type.Object(
            {
              id: Type.String(),
              status: Type.Literal('created'),
              duplicate: Type.Optional(
                Type.Literal(true, {
                  description:
                    'The call was already stored (same id and timestamp): it is kept once. Never set with TALLY_REDIS_URL, where the call is queued and stored after the answer',
                }),
              ),
            },
            { examples: [ex.llmCreated] },
          ),
          422: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const prepared = prepareCallEvent(req.body, contextFor(req));
      if (!prepared.ok) throw invalid(prepared.errors, 'the event');
      const written = await ctx.sink.write({ calls: [prepared.value] });
      const duplicate = written.duplicateCalls.length > 0 ? { duplicate: true } : {};
      return reply.code(201).send({ id: prepared.value.id, status: 'created', ...duplicate });
    },
  );

  app.post(
    '/api/v1/ingest/llm/bulk',
    {
      config: { access: 'ingest' },
      validatorCompiler: noFastifyValidation,
      schema: {
        tags: ['ingest'],
        summary: `Record up to ${LIMITS.bulkItems} LLM calls; every valid item is stored even when others are rejected`,
        description:
          'Answered 207 with one result per item, in order. A call already stored under the same id and timestamp (a retried request, a file imported again) is answered 201 like a new one, with `"duplicate": true`, and kept once; `duplicates` counts them. On a server with TALLY_REDIS_URL set (replicas behind a load balancer) the calls are queued in Redis and stored by a worker after this answer, so duplicates are not known yet: no item carries `duplicate` and `duplicates` is 0; a duplicate is still kept once.',
        body: Type.Object(
          { events: Type.Array(CallEventInputSchema, { maxItems: LIMITS.bulkItems }) },
          { examples: [ex.llmBulk] },
        ),
        response: { 207: { ...ItemResultsSchema, examples: [ex.llmBulkResults] }, 413: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req, reply) => {
      const items = batchItems(req.body, 'events');
      const c = contextFor(req);
      const { results, values, positions } = prepareAll(items, (raw) => prepareCallEvent(raw, c));
      let duplicates = 0;
      if (values.length > 0) {
        const written = await ctx.sink.write({ calls: values });
        for (const v of written.duplicateCalls) results[positions[v]!]!.duplicate = true;
        duplicates = written.duplicateCalls.length;
      }
      return reply
        .code(207)
        .send({ results, accepted: values.length, rejected: items.length - values.length, duplicates });
    },
  );

  const streams = [
    {
      path: '/api/v1/ingest/app',
      key: 'logs',
      what: 'application logs',
      one: 'log object',
      schema: AppLogInputSchema,
      prepare: prepareAppLog,
      examples: { body: [ex.appLog, ex.appLogs], created: ex.appLogCreated, results: ex.appLogResults },
    },
    {
      path: '/api/v1/ingest/metrics',
      key: 'metrics',
      what: 'metric samples',
      one: 'sample',
      schema: MetricPointInputSchema,
      prepare: prepareMetricPoint,
      examples: { body: [ex.metric, ex.metrics], created: ex.metricCreated, results: ex.metricResults },
    },
  ] as const;
  for (const stream of streams) {
    app.post(
      stream.path,
      {
        config: { access: 'ingest' },
        validatorCompiler: noFastifyValidation,
        schema: {
          tags: ['ingest'],
          summary: `Record ${stream.what}: one ${stream.one}, or {"${stream.key}": [...]} (answered 207 per item)`,
          body: Type.Union([stream.schema, Type.Object({ [stream.key]: Type.Array(stream.schema) })], {
            examples: stream.examples.body,
          }),
          response: {
            201: Type.Object(
              { id: Type.String(), status: Type.Literal('created') },
              { examples: [stream.examples.created] },
            ),
            207: { ...ItemResultsSchema, examples: [stream.examples.results] },
            422: ErrorSchema,
          },
        },
      },
      async (req, reply) => {
        const project = ctx.projects.require(req.projectId).id;
        const prepare = (raw: unknown) => stream.prepare(raw, project, Date.now());
        const write = async (values: (AppLog | MetricPoint)[]) => void (await ctx.sink.write({ [stream.key]: values }));
        return ingestOneOrMany<AppLog | MetricPoint>(req.body, stream.key, prepare, write, reply);
      },
    );
  }
}

type Reply = { code(status: number): { send(body: unknown): unknown } };

async function ingestOneOrMany<T extends { id: string }>(
  body: unknown,
  listKey: string,
  prepare: (raw: unknown) => Prepared<T>,
  write: (values: T[]) => Promise<void>,
  reply: Reply,
): Promise<unknown> {
  if (typeof body === 'object' && body !== null && listKey in body) {
    const items = batchItems(body, listKey);
    const { results, values } = prepareAll(items, prepare);
    if (values.length > 0) await write(values);
    return reply.code(207).send({ results, accepted: values.length, rejected: items.length - values.length });
  }
  const prepared = prepare(body);
  if (!prepared.ok) throw invalid(prepared.errors, 'the record');
  await write([prepared.value]);
  return reply.code(201).send({ id: prepared.value.id, status: 'created' });
}

function batchItems(body: unknown, key: string): unknown[] {
  const items = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(items))
    throw invalid([{ path: key, message: `is required: a JSON array under "${key}"` }], 'the body');
  if (items.length > LIMITS.bulkItems) {
    throw new TallyError(
      'payload_too_large',
      `a bulk request may hold at most ${LIMITS.bulkItems} items; got ${items.length}. Split it into several requests`,
    );
  }
  return items;
}

/** Each item prepared; `positions[k]` is the index in `items` of `values[k]`. */
function prepareAll<T extends { id: string }>(items: unknown[], prepare: (raw: unknown) => Prepared<T>) {
  const results: ItemResult[] = new Array(items.length);
  const values: T[] = [];
  const positions: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const p = prepare(items[i]);
    if (p.ok) {
      values.push(p.value);
      positions.push(i);
      results[i] = { index: i, id: p.value.id, status: 201 };
    } else {
      const raw = items[i] as { id?: unknown } | null;
      results[i] = {
        index: i,
        id: typeof raw?.id === 'string' ? raw.id : null,
        status: 422,
        error: { code: 'validation_failed', message: describeFieldErrors(p.errors), fields: p.errors },
      };
    }
  }
  return { results, values, positions };
}
