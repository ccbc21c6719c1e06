import { StringDecoder } from 'node:string_decoder';

/**
 * Reads a Server-Sent Events body as it arrives, in network chunks that may split a line or a UTF-8 character
 * anywhere. Each complete event's `data` (its data lines joined by newlines) goes to `onData`; event names, ids and
 * comments are skipped, because every payload the providers send names its own type.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private data: string | null = null;

  constructor(private readonly onData: (data: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.line(text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl));
      start = nl + 1;
    }
    this.pending = start === 0 ? text : text.slice(start);
  }

  /** The body ended: an event not followed by a blank line still counts. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest) this.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    this.line('');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data !== null) this.onData(this.data);
      this.data = null;
    } else if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      this.data = this.data === null ? value : `${this.data}\n${value}`;
    }
  }
}
