import { Type } from '@sinclair/typebox';
import type { KeyScope, ProjectPatch } from '@tally/storage';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TallyContext } from '../context.js';
import { invalid } from '../errors.js';
import { SETTING_RANGES, settingErrors } from '../lifecycle/project-settings.js';
import { ErrorSchema } from './schemas.js';
import * as ex from './project-examples.js';

const Policy = Type.Union([Type.Literal('none'), Type.Literal('redacted'), Type.Literal('full')]);
/** A whole number in a range, or null; one JSON Schema type list, so a bad value gets one clear message. */
const nullableInt = (minimum: number, maximum: number, description: string) =>
  Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum, maximum, description });
const RetentionDays = nullableInt(
  1,
  SETTING_RANGES.retention_days.max,
  "Days of data kept (older calls, logs and metrics are deleted hourly); null: the server's TALLY_RETENTION_DAYS",
);
const MaxEvents = nullableInt(
  1,
  SETTING_RANGES.max_events.max,
  'The most calls kept; the oldest beyond it are deleted hourly; null: no limit',
);
const ProjectFields = {
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  capture_policy: Policy,
  created_at: Type.Number({ description: 'Epoch milliseconds' }),
  retention_days: Type.Union([Type.Integer(), Type.Null()]),
  max_events: Type.Union([Type.Integer(), Type.Null()]),
};
const ProjectSchema = Type.Object(ProjectFields);
const PATCHABLE = ['name', 'description', 'capture_policy', 'retention_days', 'max_events'] as const;
const KeyFields = {
  id: Type.String(),
  project_id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  scope: Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('manage')]),
  prefix: Type.String(),
  created_at: Type.Number(),
  revoked_at: Type.Union([Type.Number(), Type.Null()]),
};
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function registerProjectRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/projects',
    {
      config: { access: 'read' },
      schema: {
        tags: ['projects'],
        summary: 'List projects (a project key sees its own project only)',
        response: { 200: Type.Object({ projects: Type.Array(ProjectSchema) }, { examples: [ex.projects] }) },
      },
    },
    async (req) => {
      const all = ctx.projects.list();
      return { projects: req.principal?.kind === 'key' ? all.filter((p) => p.id === req.projectId) : all };
    },
  );

  app.post(
    '/api/v1/projects',
    {
      config: { access: 'admin' },
      attachValidation: true,
      schema: {
        tags: ['projects'],
        summary: 'Create a project (admin)',
        body: Type.Object(
          {
            id: Type.Optional(Type.String({ maxLength: 64, description: 'Derived from the name when absent' })),
            name: Type.String({ minLength: 1, maxLength: 256 }),
            description: Type.Optional(Type.String({ maxLength: 1024 })),
            capture_policy: Type.Optional(Policy),
            retention_days: Type.Optional(RetentionDays),
            max_events: Type.Optional(MaxEvents),
          },
          { examples: [ex.createProject] },
        ),
        response: { 201: Type.Object(ProjectFields, { examples: [ex.project] }), 409: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req, reply) => {
      throwIfInvalid(req);
      return reply.code(201).send(await ctx.projects.create(req.body as { name: string }));
    },
  );

  app.patch(
    '/api/v1/projects/:id',
    {
      config: { access: 'admin' },
      attachValidation: true,
      schema: {
        tags: ['projects'],
        summary: 'Change a project: name, description, capture policy, retention_days, max_events (admin)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            description: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 1024 })),
            capture_policy: Type.Optional(Policy),
            retention_days: Type.Optional(RetentionDays),
            max_events: Type.Optional(MaxEvents),
          },
          { examples: [{ retention_days: 30, max_events: null }] },
        ),
        response: {
          200: Type.Object(ProjectFields, {
            examples: [
              {
                id: 'support',
                name: 'Support Bot',
                description: null,
                capture_policy: 'redacted',
                created_at: 1764000000000,
                retention_days: 30,
                max_events: null,
              },
            ],
          }),
          404: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req) => {
      throwIfInvalid(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      checkPatchKeys(body);
      return ctx.projects.update((req.params as { id: string }).id, body as ProjectPatch);
    },
  );

  app.delete(
    '/api/v1/projects/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Delete a project with its keys and all its data (admin)',
        params: IdParams,
        response: {
          200: Type.Object(
            { id: Type.String(), deleted: Type.Boolean() },
            { examples: [{ id: 'support', deleted: true }] },
          ),
          404: ErrorSchema,
          409: ErrorSchema,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      await ctx.projects.delete(id);
      await ctx.analytics.invalidate(id);
      return { id, deleted: true };
    },
  );

  app.post(
    '/api/v1/projects/:id/keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Create an API key; the key is in this answer only and is stored hashed (admin)',
        params: IdParams,
        body: Type.Object(
          {
            scope: Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('manage')], {
              description: "ingest: write only; read: read and write; manage: also delete the project's data",
            }),
            name: Type.Optional(Type.String({ maxLength: 256 })),
          },
          { examples: [ex.createKey] },
        ),
        response: {
          201: Type.Object({ ...KeyFields, key: Type.String() }, { examples: [ex.keyCreated] }),
          404: ErrorSchema,
          422: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = req.body as { scope: KeyScope; name?: string };
      return reply.code(201).send(await ctx.projects.createKey(id, body.scope, body.name ?? null));
    },
  );

  app.get(
    '/api/v1/projects/:id/keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: "List a project's keys (never the keys themselves) (admin)",
        params: IdParams,
        response: {
          200: Type.Object({ keys: Type.Array(Type.Object(KeyFields)) }, { examples: [ex.keys] }),
          404: ErrorSchema,
        },
      },
    },
    async (req) => ({ keys: await ctx.projects.listKeys((req.params as { id: string }).id) }),
  );

  app.delete(
    '/api/v1/projects/:id/keys/:keyId',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Revoke a key (admin)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }), keyId: Type.String({ maxLength: 64 }) }),
        response: {
          200: Type.Object(
            { id: Type.String(), revoked: Type.Boolean() },
            { examples: [{ id: 'key_a496526c1d2340af', revoked: true }] },
          ),
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      const { id, keyId } = req.params as { id: string; keyId: string };
      await ctx.projects.revokeKey(id, keyId);
      return { id: keyId, revoked: true };
    },
  );
}

/** Turns a failed schema check into a 422, in clearer words for the lifecycle settings than the validator's. */
function throwIfInvalid(req: FastifyRequest): void {
  if (!req.validationError) return;
  const fields = settingErrors(req.body);
  throw fields.length > 0 ? invalid(fields, 'the project') : req.validationError;
}

/** A change names only settings a project has, and at least one of them. */
function checkPatchKeys(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).filter((k) => !(PATCHABLE as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw invalid(
      unknown.map((k) => ({
        path: `body.${k}`,
        message: `is not a setting of a project; use ${PATCHABLE.join(', ')}`,
      })),
      'the project change',
    );
  }
  if (Object.keys(body).length === 0) {
    throw invalid(
      [{ path: 'body', message: `sets nothing; send one or more of ${PATCHABLE.join(', ')}` }],
      'the project change',
    );
  }
}
