import { Type } from '@sinclair/typebox';
import type { KeyScope } from '@tally/storage';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { ErrorSchema } from './schemas.js';

const Policy = Type.Union([Type.Literal('none'), Type.Literal('redacted'), Type.Literal('full')]);
const ProjectSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  capture_policy: Policy,
  created_at: Type.Number({ description: 'Epoch milliseconds' }),
});
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
        response: { 200: Type.Object({ projects: Type.Array(ProjectSchema) }) },
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
      schema: {
        tags: ['projects'],
        summary: 'Create a project (admin)',
        body: Type.Object({
          id: Type.Optional(Type.String({ maxLength: 64, description: 'Derived from the name when absent' })),
          name: Type.String({ minLength: 1, maxLength: 256 }),
          description: Type.Optional(Type.String({ maxLength: 1024 })),
          capture_policy: Type.Optional(Policy),
        }),
        response: { 201: ProjectSchema, 409: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await ctx.projects.create(req.body as { name: string })),
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
          200: Type.Object({ id: Type.String(), deleted: Type.Boolean() }),
          404: ErrorSchema,
          409: ErrorSchema,
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      await ctx.projects.delete(id);
      ctx.analytics.invalidate(id);
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
        body: Type.Object({
          scope: Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('manage')], {
            description: "ingest: write only; read: read and write; manage: also delete the project's data",
          }),
          name: Type.Optional(Type.String({ maxLength: 256 })),
        }),
        response: { 201: Type.Object({ ...KeyFields, key: Type.String() }), 404: ErrorSchema, 422: ErrorSchema },
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
        response: { 200: Type.Object({ keys: Type.Array(Type.Object(KeyFields)) }), 404: ErrorSchema },
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
        response: { 200: Type.Object({ id: Type.String(), revoked: Type.Boolean() }), 404: ErrorSchema },
      },
    },
    async (req) => {
      const { id, keyId } = req.params as { id: string; keyId: string };
      await ctx.projects.revokeKey(id, keyId);
      return { id: keyId, revoked: true };
    },
  );
}
