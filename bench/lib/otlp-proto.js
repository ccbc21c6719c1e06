// A small protobuf writer for OTLP trace export requests (opentelemetry-proto, trace/v1 and collector/trace/v1),
// with no dependency. It records where every trace and span id lies in the encoded body, so that the benchmark can
// give each send ids of its own by overwriting a few bytes instead of encoding the request again.

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

function varint(n) {
  const out = [];
  // Whole numbers up to 2^53; above 2^31 the bit operators would truncate, so divide instead.
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

const tag = (field, wire) => varint(field * 8 + wire);

/**
 * A message being written: a list of encoded parts, its length, and `marks`, the offsets (within the message) of
 * the id values to re-stamp per send.
 */
export class Message {
  parts = [];
  length = 0;
  marks = [];

  raw(buf) {
    this.parts.push(buf);
    this.length += buf.length;
    return this;
  }

  string(field, s) {
    if (s === undefined || s === null || s === '') return this;
    const b = Buffer.from(s, 'utf8');
    return this.raw(tag(field, LEN)).raw(varint(b.length)).raw(b);
  }

  /** An id (bytes field); its offset is marked for re-stamping. */
  id(field, bytes) {
    if (!bytes) return this;
    this.raw(tag(field, LEN)).raw(varint(bytes.length));
    this.marks.push(this.length);
    return this.raw(bytes);
  }

  uint(field, n) {
    if (!n) return this;
    return this.raw(tag(field, VARINT)).raw(varint(n));
  }

  bool(field, b) {
    return this.raw(tag(field, VARINT)).raw(varint(b ? 1 : 0));
  }

  double(field, x) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    return this.raw(tag(field, FIXED64)).raw(b);
  }

  /** Epoch milliseconds as a fixed64 of nanoseconds. */
  nanos(field, ms) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(Math.round(ms)) * 1_000_000n);
    return this.raw(tag(field, FIXED64)).raw(b);
  }

  message(field, m) {
    this.raw(tag(field, LEN)).raw(varint(m.length));
    const base = this.length;
    for (const x of m.marks) this.marks.push(base + x);
    // One part per nested message: copying its bytes once is cheaper than carrying its many small parts upwards.
    this.parts.push(m.parts.length === 1 ? m.parts[0] : Buffer.concat(m.parts, m.length));
    this.length += m.length;
    return this;
  }

  toBuffer() {
    return Buffer.concat(this.parts, this.length);
  }
}

/** AnyValue: string 1, bool 2, int 3, double 4, array 5. */
function anyValue(v) {
  const m = new Message();
  if (typeof v === 'string')
    return m
      .raw(tag(1, LEN))
      .raw(varint(Buffer.byteLength(v)))
      .raw(Buffer.from(v));
  if (typeof v === 'boolean') return m.bool(2, v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return m.raw(tag(3, VARINT)).raw(varint(v));
  if (typeof v === 'number') return m.double(4, v);
  if (Array.isArray(v)) {
    const arr = new Message();
    for (const x of v) arr.message(1, anyValue(x));
    return m.message(5, arr);
  }
  throw new Error(`cannot encode attribute value ${JSON.stringify(v)}`);
}

/** Repeated KeyValue under `field`, from a plain object. */
function attributes(m, field, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined) continue;
    m.message(field, new Message().string(1, key).message(2, anyValue(value)));
  }
  return m;
}

/**
 * A span: { traceId, spanId, parentSpanId (8/16-byte Buffers), name, kind, start, end (epoch ms), attributes,
 * events: [{ time, name, attributes }], status: { code, message } }.
 */
function span(s) {
  const m = new Message().id(1, s.traceId).id(2, s.spanId).id(4, s.parentSpanId).string(5, s.name).uint(6, s.kind);
  m.nanos(7, s.start).nanos(8, s.end);
  attributes(m, 9, s.attributes);
  for (const e of s.events ?? [])
    m.message(11, attributes(new Message().nanos(1, e.time).string(2, e.name), 3, e.attributes));
  if (s.status) m.message(15, new Message().string(2, s.status.message).uint(3, s.status.code));
  return m;
}

/**
 * Encodes an ExportTraceServiceRequest: `resourceSpans` is [{ resource: {attrs}, scopes: [{ name, version,
 * spans: [...] }] }]. Returns the body and the offsets of every id value in it.
 */
export function encodeTraceRequest(resourceSpans) {
  const req = new Message();
  for (const rs of resourceSpans) {
    const r = new Message().message(1, attributes(new Message(), 1, rs.resource));
    for (const sc of rs.scopes) {
      const ss = new Message().message(1, new Message().string(1, sc.name).string(2, sc.version));
      for (const s of sc.spans) ss.message(2, span(s));
      r.message(2, ss);
    }
    req.message(1, r);
  }
  return { body: req.toBuffer(), idOffsets: Uint32Array.from(req.marks) };
}

/**
 * A copy of `body` whose ids all start with `generation` (4 bytes, big-endian): the ids' remaining bytes are unique
 * within the body, so every send carries ids of its own while parents still match their children.
 */
export function stampIds(body, idOffsets, generation) {
  const copy = Buffer.from(body);
  for (let i = 0; i < idOffsets.length; i++) copy.writeUInt32BE(generation, idOffsets[i]);
  return copy;
}

function readVarint(buf, pos) {
  let n = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    n += (b & 0x7f) * mul;
    if (b < 0x80) return [n, pos];
    mul *= 128;
  }
}

/** The partial success of an ExportTraceServiceResponse: { rejectedSpans, errorMessage } (0 and '' when empty). */
export function decodeTraceResponse(buf) {
  const out = { rejectedSpans: 0, errorMessage: '' };
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    if (key !== ((1 << 3) | LEN)) throw new Error(`unexpected field ${key >> 3} in the response`);
    const [len, p2] = readVarint(buf, p1);
    const inner = buf.subarray(p2, p2 + len);
    pos = p2 + len;
    let q = 0;
    while (q < inner.length) {
      const [k, q1] = readVarint(inner, q);
      if (k === ((1 << 3) | VARINT)) [out.rejectedSpans, q] = readVarint(inner, q1);
      else if (k === ((2 << 3) | LEN)) {
        const [n, q2] = readVarint(inner, q1);
        out.errorMessage = inner.subarray(q2, q2 + n).toString('utf8');
        q = q2 + n;
      } else throw new Error(`unexpected field ${k >> 3} in the partial success`);
    }
  }
  return out;
}
