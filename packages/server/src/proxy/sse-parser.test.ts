import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

function parse(chunks: (string | Buffer)[]): string[] {
  const out: string[] = [];
  const p = new SseParser((d) => out.push(d));
  for (const c of chunks) p.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  p.end();
  return out;
}

describe('SseParser', () => {
  it('reads events split anywhere across network chunks', () => {
    const body = 'event: message_start\ndata: {"a":1}\n\ndata: {"b":2}\n\n: a comment\ndata: [DONE]\n\n';
    const whole = parse([body]);
    expect(whole).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    for (let cut = 1; cut < body.length; cut++) expect(parse([body.slice(0, cut), body.slice(cut)])).toEqual(whole);
  });

  it('takes CRLF line ends, joins multi-line data and keeps an event the body ends without a blank line', () => {
    expect(parse(['data: one\r\ndata: two\r\n\r\ndata:three'])).toEqual(['one\ntwo', 'three']);
  });

  it('keeps a UTF-8 character that a chunk boundary cuts in two', () => {
    const bytes = Buffer.from('data: "héllo ✓"\n\n');
    const at = bytes.indexOf(0xc3) + 1; // inside "é"
    expect(parse([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(['"héllo ✓"']);
  });
});
