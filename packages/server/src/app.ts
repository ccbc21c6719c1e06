import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { StoreError } from '@tally/storage';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth/auth-hook.js';
import type { TallyContext } from './context.js';
import { TallyError, errorBody } from './errors.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerIngestRoutes } from './routes/ingest-routes.js';
import { registerOtlpRoutes } from './otlp/otlp-routes.js';
import { registerMetaRoutes } from './routes/meta-routes.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerLiveRoutes } from './routes/live-routes.js';
import { registerPriceRoutes } from './routes/price-routes.js';
import { registerProxyRoutes } from './proxy/proxy-routes.js';
import { registerProjectRoutes } from './routes/project-routes.js';
import { registerAnalyticsRoutes } from './routes/analytics-routes.js';
import { registerExportRoutes } from './routes/export-routes.js';
import { registerLifecycleRoutes } from './routes/lifecycle-routes.js';
import { registerSeed000Routes } from './routes/seed-000-routes.js';
import { registerSeed001Routes } from './routes/seed-001-routes.js';
import { registerSeed003Routes } from './routes/seed-003-routes.js';
import { registerSeed004Routes } from './routes/seed-004-routes.js';
import { registerAlertRoutes } from './routes/alert-routes.js';
import { registerBudgetRoutes } from './routes/budget-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';

export interface AppOptions {
  /** Pino logger options, or false for none (tests, the OpenAPI generator). */
  logger?: boolean | { level: string };
}

/** Builds the Fastify app on an opened context; the caller listens and closes. */
export async function buildApp(ctx: TallyContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: ctx.config.logLevel },
    bodyLimit: ctx.config.bodyLimitBytes,
    // One log line per request would cost the ingest hot path; errors and lifecycle events are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tally API',
        version: ctx.version,
        description: 'Self-hosted LLM usage analytics. Authenticate with `Authorization: Bearer <key>`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A project API key or the admin token' },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  if (ctx.config.corsOrigins.length > 0) {
    const any = ctx.config.corsOrigins.includes('*');
    await app.register(cors, {
      origin: any ? '*' : [...ctx.config.corsOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      // The proxy's callers send the provider's headers and Tally's attribution headers too.
      allowedHeaders: [
        'authorization',
        'content-type',
        'x-tally-key',
        'x-tally-project',
        'x-api-key',
        'anthropic-version',
        'x-tally-user',
        'x-tally-session',
        'x-tally-agent',
        'x-tally-agent-version',
        'x-tally-tags',
      ],
      maxAge: 600,
    });
  }

  registerAuth(app, ctx);
  installErrorHandling(app);
  registerMetaRoutes(app, ctx);
  registerDashboardRoutes(app, ctx);
  registerIngestRoutes(app, ctx);
  registerOtlpRoutes(app, ctx);
  registerProxyRoutes(app, ctx);
  registerProjectRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerLiveRoutes(app, ctx);
  registerPriceRoutes(app, ctx);
  registerAnalyticsRoutes(app, ctx);
  registerExportRoutes(app, ctx);
  registerLifecycleRoutes(app, ctx);
  registerSeed000Routes(app, ctx);
  registerSeed001Routes(app, ctx);
  registerSeed003Routes(app, ctx);
  registerSeed004Routes(app, ctx);
  registerBudgetRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerMetricsRoutes(app, ctx);
  return app;
}

function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send(
        errorBody(
          'not_found',
          `there is no route ${req.method} ${req.url.split('?')[0]}; the API is described at /docs`,
          req.id,
        ),
      );
  });

  app.setErrorHandler((err: FastifyError | TallyError | StoreError | Error, req, reply) => {
    if (err instanceof TallyError)
      return reply.code(err.status).send(errorBody(err.code, err.message, req.id, err.fields));
    if (err instanceof StoreError) {
      req.log.error({ err }, 'store failure');
      const status = err.code === 'bad_cursor' ? 400 : 503;
      const message =
        status === 400 ? err.message : 'the store is unavailable; the request was not recorded, retry later';
      return reply.code(status).send(errorBody(status === 400 ? 'bad_request' : 'store_unavailable', message, req.id));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'body';
      const fields = fe.validation.map((v) => ({
        path: `${where}${v.instancePath.replace(/\//g, '.')}${v.keyword === 'required' ? `.${String((v.params as { missingProperty?: string }).missingProperty)}` : ''}`,
        message: v.message ?? 'is invalid',
      }));
      return reply
        .code(422)
        .send(
          errorBody(
            'validation_failed',
            `the request is invalid: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`,
            req.id,
            fields,
          ),
        );
    }
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(
          errorBody(
            'payload_too_large',
            `the body is larger than the limit of ${app.initialConfig.bodyLimit} bytes; send smaller batches or raise TALLY_BODY_LIMIT_MB`,
            req.id,
          ),
        );
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply
        .code(415)
        .send(errorBody('unsupported_media_type', 'send the body as Content-Type: application/json', req.id));
    }
    if (fe.statusCode === 400 && (fe.code?.startsWith('FST_ERR_CTP') || err instanceof SyntaxError)) {
      return reply.code(400).send(errorBody('malformed_json', `the body is not valid JSON: ${fe.message}`, req.id));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send(errorBody('bad_request', fe.message, req.id));
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .code(500)
      .send(
        errorBody('internal_error', `an internal error occurred; quote request id ${req.id} when reporting it`, req.id),
      );
  });
}
