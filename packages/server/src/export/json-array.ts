const NEWLINE = 0x0a;
const SEPARATOR = Buffer.from(',\n');

/**
 * Turns NDJSON (one object per line, as the store writes it) into one JSON array with one object per line:
 * `[\n{…},\n{…}\n]\n`. JSON text never holds a raw line break, so every LF byte ends an object, wherever the
 * chunks of the input happen to be cut.
 */
export async function* jsonArray(ndjson: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield Buffer.from('[\n');
  let wrote = false;
  // A line ended: its separator is written before the next object, or dropped before the closing bracket.
  let lineEnded = false;
  for await (const buf of ndjson) {
    const parts: Buffer[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      if (end > start) {
        if (lineEnded) parts.push(SEPARATOR);
        lineEnded = false;
        parts.push(buf.subarray(start, end));
        wrote = true;
      }
      if (nl === -1) break;
      if (wrote) lineEnded = true;
      start = nl + 1;
    }
    if (parts.length > 0) yield Buffer.concat(parts);
  }
  yield Buffer.from(wrote ? '\n]\n' : ']\n');
}
