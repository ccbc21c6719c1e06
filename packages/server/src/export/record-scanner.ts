const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Finds where records end in an export as its bytes arrive, chunk by chunk. In CSV a line break inside a quoted
 * field (a prompt, an error message) does not end a record (RFC 4180: `""` inside quotes is a quote, which
 * toggles the state twice); in NDJSON every LF ends one.
 */
export class RecordScanner {
  /** Complete records seen, a CSV header included. */
  records = 0;
  /** Byte offsets of the start and the end (just past its line break) of the last complete record. */
  lastStart = 0;
  lastEnd = 0;
  /** Byte offset just past the first complete record: the header row of a CSV file. */
  firstEnd = 0;
  private inQuotes = false;
  private offset = 0;

  constructor(private readonly csv: boolean) {}

  push(buf: Buffer): void {
    let i = 0;
    let quote = this.csv ? buf.indexOf(QUOTE) : -1;
    for (;;) {
      if (this.inQuotes) {
        if (quote === -1) break;
        this.inQuotes = false;
        i = quote + 1;
        quote = buf.indexOf(QUOTE, i);
        continue;
      }
      const nl = buf.indexOf(NEWLINE, i);
      if (nl !== -1 && (quote === -1 || nl < quote)) {
        this.ended(this.offset + nl + 1);
        i = nl + 1;
        continue;
      }
      if (quote === -1) break;
      this.inQuotes = true;
      i = quote + 1;
      quote = buf.indexOf(QUOTE, i);
    }
    this.offset += buf.length;
  }

  private ended(end: number): void {
    this.records++;
    if (this.records === 1) this.firstEnd = end;
    this.lastStart = this.lastEnd;
    this.lastEnd = end;
  }
}

/** The fields of one CSV record (RFC 4180), its line break excluded. */
export function csvFields(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (record[i] === '"') {
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q === -1) throw new Error('a quoted CSV field is not closed');
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const comma = record.indexOf(',', i);
      value = record.slice(i, comma === -1 ? record.length : comma);
      i = comma === -1 ? record.length : comma;
    }
    fields.push(value);
    if (record[i] !== ',') return fields;
    i++;
  }
}
