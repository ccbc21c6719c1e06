import type { CallRecord, ParsedLine } from './call-record.js';
import { toRecord } from './call-record.js';
import {
  codeOf,
  FALSE,
  keyHasEscape,
  keyIs,
  mayOverflow,
  NUL,
  NUM,
  OBJ,
  sawEscape,
  skipSpaces,
  startLine,
  STR,
  TRUE,
  valueEnd,
  wholeValue,
  wordAt,
} from './json-scan.js';

/*
 * A fast path for `toRecord(JSON.parse(line))`, which on a 1 GB file spends most of its time building objects of
 * some 30 fields to read 15 of them. This scanner validates the whole line as JSON but keeps only the values the
 * analyzer counts. What toRecord decides from the line's shape alone (a field of the wrong type, unknown fields)
 * depends only on the keys and the JSON types of their values, so it is asked once per shape, with stand-in
 * values, and remembered in a tree of shapes. Anything the scanner does not handle itself (control characters,
 * an escape in a key, a top level that is not an object, invalid JSON, a timestamp in a less common form) returns
 * null, and the caller takes the exact path: same records, same error messages.
 * The scanning itself is in json-scan.ts.
 */

/** The fields a CallRecord is made of; each has a slot in the per-line values. */
const SLOT_NAMES = [
  'timestamp',
  'status',
  'provider',
  'api_provider',
  'api_type',
  'model',
  'operation',
  'user_id',
  'session_id',
  'source_id',
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'latency_ms',
  'duration_ms',
  'cost_estimate',
  'cost_usd',
] as const;
const SLOT = new Map<string, number>(SLOT_NAMES.map((name, i) => [name, i]));
/** Stands for an object or array value in a slot: neither a string nor a number. */
const COMPOSITE = Object.freeze({});
/** Stands for a number in a slot whose text is parsed only when the record needs it. */
const LAZY_NUMBER = Object.freeze({});
/** Shapes remembered at most; a file with more distinct shapes takes the exact path for the rest. */
const MAX_NODES = 100_000;
interface ShapeNode {
  key: string;
  /** The key's first character (NaN for the empty key), to rule out most other keys without a string compare. */
  first: number;
  code: number;
  slot: number;
  parent: ShapeNode | null;
  children: ShapeNode[];
  /** What toRecord says of a line of exactly this shape, once asked. */
  verdict: { error: string } | { unknown: string[] } | undefined;
}

const newNode = (key: string, code: number, parent: ShapeNode | null): ShapeNode => ({
  key,
  first: key.charCodeAt(0),
  code,
  slot: SLOT.get(key) ?? -1,
  parent,
  children: [],
  verdict: undefined,
});

/** The nodes from the root's child down to `leaf`: a line's keys in order. */
function pathTo(leaf: ShapeNode): ShapeNode[] {
  const path: ShapeNode[] = [];
  for (let n: ShapeNode | null = leaf; n !== null && n.parent !== null; n = n.parent) path.push(n);
  return path.reverse();
}

/** toRecord's answer for a shape, from an object with the same keys, in order, and stand-in values. */
function verdictOf(path: ShapeNode[]): { error: string } | { unknown: string[] } {
  const standIn = (code: number): unknown =>
    code === STR
      ? '2000-01-01T00:00:00Z'
      : code === NUM
        ? 0
        : code === NUL
          ? null
          : code === TRUE || code === FALSE
            ? true
            : code === OBJ
              ? {}
              : [];
  const o: Record<string, unknown> = {};
  // defineProperty, as JSON.parse does, so that a "__proto__" key is a field and not the prototype.
  for (const n of path)
    Object.defineProperty(o, n.key, { value: standIn(n.code), enumerable: true, writable: true, configurable: true });
  const r = toRecord(o);
  return 'error' in r ? { error: r.error } : { unknown: r.unknown };
}

const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
/**
 * The time of `YYYY-MM-DDTHH:MM:SS[.fff…][Z]` (no zone means UTC), computed from a cached day, or NaN when the
 * timestamp has another form (an offset, a lower-case z, an hour of 24): the exact path decides those.
 */
function makeClock(): (ts: string) => number {
  let day = '';
  let dayMs = NaN;
  const two = (ts: string, i: number) => {
    const a = ts.charCodeAt(i) - 48;
    const b = ts.charCodeAt(i + 1) - 48;
    return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
  };
  return (ts) => {
    const len = ts.length;
    if (len < 19 || ts.charCodeAt(10) !== 84 || ts.charCodeAt(13) !== 58 || ts.charCodeAt(16) !== 58) return NaN;
    const h = two(ts, 11);
    const m = two(ts, 14);
    const sec = two(ts, 17);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return NaN;
    let ms = 0;
    let end = len;
    if (ts.charCodeAt(len - 1) === 90) end--; // Z
    if (end > 19) {
      if (ts.charCodeAt(19) !== 46 || end === 20) return NaN; // .
      for (let i = 20; i < end; i++) {
        const d = ts.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return NaN;
        if (i < 23) ms += d * (i === 20 ? 100 : i === 21 ? 10 : 1); // Date.parse keeps milliseconds, truncated
      }
    }
    if (day === '' || !wordAt(ts, 0, day)) {
      // Four-digit years from 1000 on, as Date.parse reads them; anything else goes the exact way.
      const y = ts.charCodeAt(0);
      if (y < 49 || y > 57 || ts.charCodeAt(4) !== 45 || ts.charCodeAt(7) !== 45) return NaN;
      day = '';
      dayMs = Date.parse(`${ts.slice(0, 10)}T00:00:00Z`);
      if (!Number.isFinite(dayMs)) return NaN;
      day = ts.slice(0, 10);
    }
    return dayMs + h * 3_600_000 + m * 60_000 + sec * 1000 + ms;
  };
}

/**
 * Returns `parse(line)`: what `toRecord(JSON.parse(line))` returns, or null when the line needs that exact path
 * (which then also says why a line is invalid). Each parser remembers the shapes it has seen; use one per file.
 *
 * @example const parse = makeLineParser(); const r = parse(text) ?? slowParse(text);
 */
export function makeLineParser(): (line: string) => ParsedLine | null {
  const root = newNode('', 0, null);
  let nodes = 0;
  const vals: unknown[] = new Array<unknown>(SLOT_NAMES.length);
  const numberStarts = new Int32Array(SLOT_NAMES.length);
  const numberEnds = new Int32Array(SLOT_NAMES.length);
  const clock = makeClock();
  /** The number in a slot of line `t`, or null; a lazily kept one is parsed now. */
  const numberIn = (t: string, slot: number): number | null => {
    const v = vals[slot];
    if (v === LAZY_NUMBER) return Number(t.slice(numberStarts[slot], numberEnds[slot]));
    return typeof v === 'number' ? v : null;
  };

  /** The child of `cur` for the key t[ka, kb) and value type `code`, made if new; undefined past MAX_NODES. */
  const childOf = (cur: ShapeNode, t: string, ka: number, kb: number, code: number): ShapeNode | undefined => {
    for (const child of cur.children) if (child.code === code && keyIs(t, ka, kb, child.key)) return child;
    if (nodes >= MAX_NODES) return undefined;
    const made = newNode(t.slice(ka, kb), code, cur);
    cur.children.push(made);
    nodes++;
    return made;
  };

  return (t) => {
    if (!startLine(t)) return null;
    const len = t.length;
    let i = skipSpaces(t, 0);
    if (t.charCodeAt(i) !== 123) return null;
    i = skipSpaces(t, i + 1);
    vals.fill(undefined);
    let cur = root;
    if (t.charCodeAt(i) === 125) i++;
    else
      for (;;) {
        if (t.charCodeAt(i) !== 34) return null;
        const ka = i + 1;
        const kb = t.indexOf('"', ka);
        if (kb < 0) return null;
        // Most keys are one the shape tree already holds here; the length and first character rule out the
        // others before the one comparison of the whole key. The child matched last time is tried first.
        const length = kb - ka;
        const first = t.charCodeAt(ka);
        let next: ShapeNode | undefined;
        const children = cur.children;
        for (let c = 0; c < children.length; c++) {
          const child = children[c]!;
          if (child.key.length === length && child.first === first && t.startsWith(child.key, ka)) {
            next = child;
            if (c > 0) {
              children[c] = children[0]!;
              children[0] = child;
            }
            break;
          }
        }
        i = kb + 1;
        if (t.charCodeAt(i) !== 58) {
          i = skipSpaces(t, i);
          if (t.charCodeAt(i) !== 58) return null; // :
        }
        i++;
        // An escape in a key (a backslash before its closing quote): the exact path.
        if (keyHasEscape(kb)) return null;
        if (t.charCodeAt(i) === 32) i = skipSpaces(t, i);
        const code = codeOf(t.charCodeAt(i));
        if (code === 0) return null;
        if (next === undefined || next.code !== code) {
          next = childOf(cur, t, ka, kb, code);
          if (next === undefined) return null;
        }
        cur = next;
        const end = valueEnd(t, i, len, 0);
        if (end < 0) return null;
        if (code === NUM) {
          // JSON.parse makes 1e400 Infinity, which toRecord rejects in a number field.
          if (mayOverflow && !Number.isFinite(Number(t.slice(i, end)))) return null;
          if (next.slot >= 0) {
            // Parsed only if the record needs it (latency_ms makes duration_ms unneeded, and so on).
            vals[next.slot] = wholeValue >= 0 ? wholeValue : LAZY_NUMBER;
            numberStarts[next.slot] = i;
            numberEnds[next.slot] = end;
          }
        } else if (next.slot >= 0) {
          vals[next.slot] =
            code === STR
              ? sawEscape
                ? JSON.parse(t.slice(i, end))
                : t.slice(i + 1, end - 1)
              : code === NUL
                ? null
                : code === TRUE
                  ? true
                  : code === FALSE
                    ? false
                    : COMPOSITE;
        }
        i = end;
        let d = t.charCodeAt(i);
        if (d === 32) d = t.charCodeAt((i = skipSpaces(t, i)));
        if (d === 125) {
          i++;
          break;
        }
        if (d !== 44) return null; // ,
        if (t.charCodeAt(++i) === 32) i = skipSpaces(t, i);
      }
    if (skipSpaces(t, i) !== t.length) return null;
    const verdict = (cur.verdict ??= verdictOf(pathTo(cur)));
    if ('error' in verdict) return verdict;
    // The verdict holds no error, so the timestamp is a string.
    const timestampMs = clock(vals[0] as string);
    if (Number.isNaN(timestampMs)) return null;
    const n = (slot: number) => numberIn(t, slot);
    const input = n(10) ?? 0;
    const output = n(11) ?? 0;
    const record: CallRecord = {
      timestampMs,
      status: s(vals[1]) ?? 'success',
      provider: s(vals[2]) ?? s(vals[3]),
      api_type: s(vals[4]),
      model: s(vals[5]),
      operation: s(vals[6]),
      user_id: s(vals[7]),
      session_id: s(vals[8]),
      source_id: s(vals[9]),
      input_tokens: input,
      output_tokens: output,
      total_tokens: n(12) ?? input + output,
      latency_ms: n(13) ?? n(14),
      cost: n(15) ?? n(16) ?? 0,
    };
    return { record, unknown: verdict.unknown };
  };
}
