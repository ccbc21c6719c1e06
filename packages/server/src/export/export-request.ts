import { Type } from '@sinclair/typebox';
import { decodeCursor, type ExportFormat, type ExportSelection } from '@tally/storage';
import { FILTER_PARAMS, badParam, filtersFromUrl, nowSecond, parseTime } from '../analytics/params.js';

/** What a client may ask for; `json` is the store's NDJSON wrapped into one array. */
export const EXPORT_FORMATS = ['csv', 'json', 'ndjson', 'parquet'] as const;
export type ClientFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ClientFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

export const STORE_FORMAT: Record<ClientFormat, ExportFormat> = {
  csv: 'csv',
  json: 'ndjson',
  ndjson: 'ndjson',
  parquet: 'parquet',
};

export const ExportQuerySchema = Type.Object({
  format: Type.Optional(
    Type.String({ description: 'csv (the default), json (one array), ndjson (one object per line) or parquet' }),
  ),
  from: Type.Optional(
    Type.String({
      description: 'Start (inclusive): ISO 8601 (no zone = UTC) or Unix epoch seconds/ms; all time when absent',
    }),
  ),
  to: Type.Optional(Type.String({ description: 'End (exclusive), same forms; now when absent' })),
  after: Type.Optional(
    Type.String({
      maxLength: 300,
      description:
        'Resume: start strictly after the row with this `timestamp,id` (the last row you have, e.g. `2026-11-23T10:00:00.000Z,call-1`)',
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 512,
      description: 'Resume after the row a `next_cursor` of /api/v1/analytics/events points at',
    }),
  ),
  header: Type.Optional(
    Type.Boolean({
      default: true,
      description: 'CSV: write the header row; false when appending to a file that has it',
    }),
  ),
  ...FILTER_PARAMS,
});

interface ExportQuery {
  format?: string;
  from?: string;
  to?: string;
  after?: string;
  cursor?: string;
  header?: boolean;
}

export interface ExportRequest {
  format: ClientFormat;
  selection: ExportSelection & { from: number; to: number };
  header: boolean;
  filename: string;
}

/** Checks an export request's parameters; every mistake is a 422 that says what to send instead. */
export function parseExportRequest(projectId: string, url: string, q: ExportQuery, now = Date.now()): ExportRequest {
  const format = (q.format ?? 'csv') as ClientFormat;
  if (!EXPORT_FORMATS.includes(format)) {
    throw badParam('format', `must be one of ${EXPORT_FORMATS.join(', ')}; got ${q.format}`);
  }
  const to = q.to !== undefined ? parseTime(q.to, 'to') : nowSecond(now);
  const from = q.from !== undefined ? parseTime(q.from, 'from') : 0;
  if (from >= to) throw badParam('from', `must be before to; got from=${q.from ?? from} and to=${q.to ?? to}`);
  if (q.after !== undefined && q.cursor !== undefined) {
    throw badParam('after', 'and cursor both say where to resume; send one of them');
  }
  const after = q.after !== undefined ? parseAfter(q.after) : q.cursor !== undefined ? parseCursor(q.cursor) : null;
  const selection = { projectId, from, to, filters: filtersFromUrl(url), after };
  const filename = `tally-${safeName(projectId)}-${stamp(from)}-${stamp(to)}.${format}`;
  return { format, selection, header: q.header !== false, filename };
}

/** `<time>,<id>`: the id is everything after the first comma, since times never hold one and ids may. */
function parseAfter(value: string): { timestamp: number; id: string } {
  const comma = value.indexOf(',');
  const id = comma === -1 ? '' : value.slice(comma + 1);
  if (comma <= 0 || id === '') {
    throw badParam(
      'after',
      `must be <timestamp>,<id> of the last row you have, e.g. 2026-11-23T10:00:00.000Z,call-1; got ${value}`,
    );
  }
  return { timestamp: parseTime(value.slice(0, comma), 'after'), id };
}

function parseCursor(value: string): { timestamp: number; id: string } {
  const c = decodeCursor(value);
  if (!c) {
    throw badParam('cursor', 'is not a next_cursor this server issued; pass after=<timestamp>,<id> or leave it out');
  }
  return { timestamp: c[0], id: c[1] };
}

/** `20261123T100000Z`: an instant that reads well in a file name. */
function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '');
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}
