import type { ServerResponse } from 'node:http';

export interface SseStreamOptions {
  /** Bytes the response may hold unsent before events are dropped for this client. */
  maxBufferedBytes: number;
  /** How often a comment line is sent, so that proxies and browsers keep an idle stream open. */
  keepAliveMs: number;
}

export const SSE_DEFAULTS: SseStreamOptions = { maxBufferedBytes: 1024 * 1024, keepAliveMs: 15_000 };

/** One Server-Sent Events frame. Data is one line of JSON (JSON never holds a raw line break). */
export function sseFrame(event: string, data: string, id?: string): string {
  // A line break in an id would end the field early and corrupt the frame; such an id is left out.
  const idLine = id !== undefined && !/[\r\n\0]/.test(id) ? `id: ${id}\n` : '';
  return `event: ${event}\n${idLine}data: ${data}\n\n`;
}

/**
 * The sending side of one Server-Sent Events response. A client that reads more slowly than events come would
 * make the server hold ever more unsent bytes; instead, once more than `maxBufferedBytes` wait to be sent, events
 * are dropped and counted, and when the client has caught up it is told how many it missed with
 * `event: dropped` (`{"count": n}`), so it can reload what it shows.
 */
export class SseStream {
  private dropped = 0;
  private waitingForDrain = false;
  private ended = false;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly onEnd: () => void,
    private readonly options: SseStreamOptions = SSE_DEFAULTS,
  ) {
    this.keepAlive = setInterval(() => this.push(': keep-alive\n\n', false), options.keepAliveMs);
    this.keepAlive.unref();
    // The client went away (or the response failed): stop at once, so nothing is queued for a closed socket.
    res.on('close', () => this.end());
    res.on('error', () => this.end());
  }

  /** Sends one event, or counts it as dropped while the client is behind. */
  send(event: string, data: unknown, id?: string): void {
    this.push(sseFrame(event, JSON.stringify(data), id), true);
  }

  /** Ends the response (the server is closing, or the client left); safe to call more than once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    if (!this.res.writableEnded) this.res.end();
    this.onEnd();
  }

  /** Writes a frame; `isEvent` frames are counted when dropped, comments are simply skipped then. */
  private push(frame: string, isEvent: boolean): void {
    if (this.ended || this.res.destroyed) return;
    // writableLength counts what the response holds and what its socket has not sent yet.
    if (this.dropped > 0 && this.res.writableLength === 0) this.caughtUp();
    if (this.dropped > 0 || this.res.writableLength > this.options.maxBufferedBytes) {
      if (isEvent) this.dropped++;
      if (!this.waitingForDrain) {
        this.waitingForDrain = true;
        this.res.once('drain', () => {
          this.waitingForDrain = false;
          this.caughtUp();
        });
      }
      return;
    }
    this.res.write(frame);
  }

  /** The client read everything it was sent: tell it what it missed, then send events again. */
  private caughtUp(): void {
    if (this.dropped === 0 || this.ended || this.res.destroyed) return;
    const count = this.dropped;
    this.dropped = 0;
    this.res.write(sseFrame('dropped', JSON.stringify({ count })));
  }
}
