import { Readable } from 'node:stream';
import type { CallEvent, Filter } from '@tally/core';
import type { EventPage, EventStore } from '@tally/storage';
import { csvRow } from './csv.js';
import { SEED003_CSV_COLUMNS, seed003CsvValues, toSeed003Event } from './seed-003-shape.js';

/** Calls read per store round trip while streaming. */
export const EXPORT_PAGE = 5000;

export interface ExportSelection {
  projectId: string;
  from: number;
  to: number;
  filters?: Filter[];
}

/** How a stream of calls is written: what comes first, each call (`index` counts from 0), what comes last. */
export interface ExportFormat {
  head: string;
  item(event: CallEvent, index: number): string;
  tail: string;
}

export const SEED003_FORMATS = {
  csv: {
    contentType: 'text/csv; charset=utf-8',
    head: csvRow(SEED003_CSV_COLUMNS),
    item: (e: CallEvent) => csvRow(seed003CsvValues(toSeed003Event(e))),
    tail: '',
  },
  json: {
    contentType: 'application/json',
    head: '[',
    item: (e: CallEvent, i: number) => `${i === 0 ? '' : ','}${JSON.stringify(toSeed003Event(e))}`,
    tail: ']',
  },
} as const satisfies Record<string, ExportFormat & { contentType: string }>;

/**
 * The calls of a selection, oldest first, written in `format` as a byte stream. Pages are read one at a time
 * (the next is fetched while the current one is written), so memory stays flat however many calls there are.
 * The first page is read before this resolves: a store that cannot answer fails the request with a proper error
 * instead of cutting off a download that has already started.
 */
export async function streamEvents(store: EventStore, sel: ExportSelection, format: ExportFormat): Promise<Readable> {
  const read = (cursor: string | null) => store.events({ ...sel, order: 'asc', limit: EXPORT_PAGE, cursor });
  const first = await read(null);
  async function* chunks(): AsyncGenerator<string> {
    yield format.head;
    let page: EventPage = first;
    let index = 0;
    for (;;) {
      const next = page.next_cursor ? read(page.next_cursor) : null;
      // A client that disconnects stops this generator while `next` is in flight; its failure then goes nowhere.
      next?.catch(() => undefined);
      let text = '';
      for (const event of page.events) text += format.item(event, index++);
      if (text) yield text;
      if (!next) break;
      page = await next;
    }
    if (format.tail) yield format.tail;
  }
  return Readable.from(chunks(), { objectMode: false });
}
