import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TallyContext } from '../context.js';
import { CONTENT_TYPES, ExportQuerySchema, STORE_FORMAT, parseExportRequest } from '../export/export-request.js';
import { jsonArray } from '../export/json-array.js';
import { ErrorSchema } from './schemas.js';

const CSV_EXAMPLE =
  'id,project_id,trace_id,span_id,parent_span_id,timestamp,end_time,duration_ms,…,tags,…,metadata\r\n' +
  'call-1,default,,,,2026-11-23T10:00:00.000Z,2026-11-23T10:00:00.840Z,840.0,…,"[""beta""]",…,"{""team"":""search""}"\r\n';
const NDJSON_EXAMPLE =
  '{"id":"call-1","project_id":"default","timestamp":"2026-11-23T10:00:00.000Z","model":"gpt-4o","input_tokens":1200,…,"tags":["beta"],"metadata":{"team":"search"}}\n';

const body = (description: string, example: string) => ({
  schema: Type.String({ description, examples: [example] }),
});

/** Streamed exports (/api/v1/export). */
export function registerExportRoutes(app: FastifyInstance, ctx: TallyContext): void {
  app.get(
    '/api/v1/export',
    {
      config: { access: 'read' },
      schema: {
        tags: ['export'],
        summary: 'Every stored call of a range as CSV, JSON, NDJSON or Parquet, streamed',
        description: [
          'All columns of every call of the project in [from, to) that matches the filters, oldest first (by `timestamp`, then `id`). Default range: all time until now.',
          'Filters: any dimension as a parameter (`model=gpt-4o,gpt-4o-mini`, `provider=!openai` excludes), `tag=x`, `metadata.<key>=v`.',
          'CSV has a header row with the column names in storage order, quotes fields as RFC 4180 says and holds `tags` and `metadata` as JSON text; times are ISO 8601 UTC (UTC timestamps in Parquet).',
          'The rows are written as they are read, so the server holds no more than a chunk whatever the size; `X-Tally-Total-Rows` says how many rows to expect.',
          'Resuming: pass `after=<timestamp>,<id>` of the last complete row you have (and `header=false` for CSV) to get exactly the rows after it. A Parquet file cannot be appended to: ask for it again.',
        ].join('\n\n'),
        querystring: ExportQuerySchema,
        response: {
          200: {
            description: 'The file, as an attachment named tally-<project>-<from>-<to>.<format>',
            headers: {
              'x-tally-total-rows': Type.Integer({ description: 'Rows in the export, counted when it started' }),
              'content-disposition': Type.String({
                description: 'attachment; filename="tally-default-19700101T000000Z-20261123T100000Z.csv"',
              }),
            },
            content: {
              'text/csv': body('CSV, RFC 4180', CSV_EXAMPLE),
              'application/json': body('One JSON array, one object per line', `[\n${NDJSON_EXAMPLE.trimEnd()}\n]\n`),
              'application/x-ndjson': body('One JSON object per line', NDJSON_EXAMPLE),
              'application/vnd.apache.parquet': {
                schema: Type.String({ format: 'binary', description: 'A Parquet file, zstd-compressed' }),
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
      const q = req.query as Parameters<typeof parseExportRequest>[2];
      const r = parseExportRequest(req.projectId, req.url, q);
      const exp = await ctx.store.exportCalls(r.selection, STORE_FORMAT[r.format], { header: r.header });
      const stream = Readable.from(r.format === 'json' ? jsonArray(exp.body) : exp.body, { objectMode: false });
      stream.on('error', (err) => req.log.error({ err }, 'export stopped by a store failure'));
      return reply
        .header('content-type', CONTENT_TYPES[r.format])
        .header('content-disposition', `attachment; filename="${r.filename}"`)
        .header('x-tally-total-rows', String(exp.rows))
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
}
