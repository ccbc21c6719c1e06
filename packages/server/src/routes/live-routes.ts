import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { FILTER_PARAMS, filtersFromUrl } from '../analytics/params.js';
import type { TallyContext } from '../context.js';
import { errorBody } from '../errors.js';
import * as ex from '../live/live-examples.js';
import { SSE_DEFAULTS, SseStream } from '../live/sse-stream.js';
import { eventItem } from './event-routes.js';
import { ErrorSchema } from './schemas.js';

/** GET /api/v1/live: calls as they are stored, as Server-Sent Events. */
export function registerLiveRoutes(app: FastifyInstance, ctx: TallyContext): void {
  const open = new Set<SseStream>();
  // A stream never ends by itself, and the server waits for the requests in flight before it closes: end them first.
  app.addHook('preClose', async () => {
    for (const stream of [...open]) stream.end();
  });

  app.get(
    '/api/v1/live',
    {
      config: { access: 'read' },
      // A HEAD request would open a stream with no body that never ends.
      exposeHeadRoute: false,
      schema: {
        tags: ['analytics'],
        summary: 'Calls as they are stored, as Server-Sent Events',
        description: [
          'Streams every call of the project that matches the filters, once it is stored, in the order stored. Filters are those of `/api/v1/analytics/events`: any dimension as a parameter (`model=gpt-4o,gpt-4o-mini`, `provider=!openai` excludes), `tag=x`, `metadata.<key>=v`.',
          'Events: `ready` first (`{"project_id", "filters"}`); then one `call` per stored call, its `id` the call id and its data the call exactly as `/api/v1/analytics/events` lists it. A `: keep-alive` comment comes every 15 s.',
          'A client that reads too slowly misses events rather than making the server hold them: once it has caught up it gets `dropped` (`{"count": n}`) and should reload what it shows.',
          'Browsers read it with `fetch` (so that the `Authorization` header can be sent) or through a same-origin proxy; `curl -N` shows it in a terminal. The server holds a limited number of streams at once and answers 503 beyond it.',
        ].join('\n\n'),
        querystring: Type.Object({ ...FILTER_PARAMS }),
        response: {
          200: {
            description: 'An endless text/event-stream: ready, then call events (and dropped, for a slow reader)',
            content: {
              'text/event-stream': {
                schema: Type.String({ description: 'Server-Sent Events, UTF-8', examples: [ex.liveStream] }),
              },
            },
          },
          401: ErrorSchema,
          403: ErrorSchema,
          422: ErrorSchema,
          503: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      // Read (and refused when invalid, as 422) before anything is sent.
      const filters = filtersFromUrl(req.url);
      const projectId = req.projectId;
      // Set below, in the same tick: no commit can be announced before the stream exists.
      let stream: SseStream | null = null;
      const unsubscribe = ctx.live.subscribe({
        projectId,
        filters,
        deliver: (call) => stream?.send('call', eventItem(call), call.id),
      });
      if (!unsubscribe) {
        return reply
          .code(503)
          .send(
            errorBody(
              'too_many_streams',
              `this server already holds ${ctx.live.maxSubscribers} live streams, its limit; close another live view or retry later`,
              req.id,
            ),
          );
      }
      // From here on the response is written by hand: it stays open, and Fastify must not end it.
      reply.hijack();
      const res = reply.raw;
      // Headers other hooks set on the reply (CORS) would be lost with hijack otherwise.
      const hooked = Object.entries(reply.getHeaders()).filter(
        (h): h is [string, string | number | string[]] => h[1] !== undefined,
      );
      res.writeHead(200, {
        ...Object.fromEntries(hooked),
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        // Proxies such as nginx buffer answers by default, which would hold events back.
        'x-accel-buffering': 'no',
      });
      const opened: SseStream = new SseStream(
        res,
        () => {
          unsubscribe();
          open.delete(opened);
        },
        SSE_DEFAULTS,
      );
      open.add(opened);
      opened.send('ready', { project_id: projectId, filters });
      stream = opened;
      // A client that left before the stream was set up sends no close event any more.
      if (res.destroyed) opened.end();
      return reply;
    },
  );
}
