/*
 * The JSON scanning under the analyzer's line parser: plain loops over charCodeAt and native string search, no
 * objects built. A line is checked once for control characters (a regular expression, natively), so strings can be
 * skipped with indexOf('"'), which is exact as long as no backslash lies inside: the position of the next backslash
 * is kept, and only a string that holds one is walked character by character.
 */

/** JSON value types, by their first character (codeOf). */
export const STR = 1;
export const NUM = 2;
export const NUL = 3;
export const TRUE = 4;
export const FALSE = 5;
export const OBJ = 6;
export const ARR = 7;

/** Objects and arrays nested deeper than this take the exact path. */
const MAX_DEPTH = 64;

/** A control character anywhere: the exact path decides (JSON.parse rejects one inside a string). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f]/;

// What the last scan saw besides its end: a string with escapes; a number that is a small whole number (its value
// in `wholeValue`) or one that may overflow to Infinity (an exponent, or too many digits). And the position of the
// first backslash not yet inside a scanned string (-1: none left in the line).
export let sawEscape = false;
export let wholeValue = -1;
export let mayOverflow = false;
let nextBackslash = -1;

/** Prepares to scan line `t`; false when it holds a control character, which this scanner leaves to JSON.parse. */
export function startLine(t: string): boolean {
  if (CONTROL.test(t)) return false;
  nextBackslash = t.indexOf('\\');
  return true;
}

/** Whether a key t[ka, kb) holds an escape (a backslash before its closing quote). */
export const keyHasEscape = (kb: number) => nextBackslash >= 0 && nextBackslash < kb;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** The end of the JSON string whose opening quote is at `i`, walking it character by character for its escapes. */
function escapedStringEnd(t: string, i: number, len: number): number {
  for (i++; i < len; i++) {
    const c = t.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      const e = t.charCodeAt(++i);
      if (e === 117) {
        // \uXXXX
        if (!isHex(t.charCodeAt(i + 1)) || !isHex(t.charCodeAt(i + 2))) return -1;
        if (!isHex(t.charCodeAt(i + 3)) || !isHex(t.charCodeAt(i + 4))) return -1;
        i += 4;
      } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) {
        return -1;
      }
    }
  }
  return -1;
}

/**
 * The end of the JSON string whose opening quote is at `i`, or -1 when it is invalid or unterminated. The line has
 * no control characters (checked first), so without a backslash inside, the string ends at the next quote.
 */
function stringEnd(t: string, i: number, len: number): number {
  const quote = t.indexOf('"', i + 1);
  if (quote < 0) return -1;
  if (nextBackslash < 0 || nextBackslash > quote) {
    sawEscape = false;
    return quote + 1;
  }
  sawEscape = true;
  const end = escapedStringEnd(t, i, len);
  if (end > 0) nextBackslash = t.indexOf('\\', end);
  return end;
}

/** The end of the JSON number at `i`, or -1 when there is none. */
function numberEnd(t: string, i: number): number {
  const start = i;
  let value = 0;
  if (t.charCodeAt(i) === 45) i++; // -
  let c = t.charCodeAt(i);
  if (c === 48) c = t.charCodeAt(++i);
  else if (c >= 49 && c <= 57) {
    value = c - 48;
    while (isDigit((c = t.charCodeAt(++i)))) value = value * 10 + (c - 48);
  } else return -1;
  let whole = t.charCodeAt(start) !== 45 && i - start <= 15;
  mayOverflow = i - start > 300;
  if (c === 46) {
    // .
    whole = false;
    if (!isDigit(t.charCodeAt(++i))) return -1;
    while (isDigit((c = t.charCodeAt(++i))));
  }
  if (c === 101 || c === 69) {
    // e E
    whole = false;
    mayOverflow = true;
    c = t.charCodeAt(++i);
    if (c === 43 || c === 45) c = t.charCodeAt(++i);
    if (!isDigit(c)) return -1;
    while (isDigit(t.charCodeAt(++i)));
  }
  wholeValue = whole ? value : -1;
  return i;
}

export function skipSpaces(t: string, i: number): number {
  while (t.charCodeAt(i) === 32) i++;
  return i;
}

/** Whether `word` is at `i`. */
export function wordAt(t: string, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (t.charCodeAt(i + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** The end of any JSON value at `i`, or -1 when it is invalid (or nested too deep for this path). */
export function valueEnd(t: string, i: number, len: number, depth: number): number {
  const c = t.charCodeAt(i);
  if (c === 34) return stringEnd(t, i, len);
  if (c === 123 || c === 91) {
    if (depth >= MAX_DEPTH) return -1;
    const object = c === 123;
    const close = object ? 125 : 93;
    i = skipSpaces(t, i + 1);
    if (t.charCodeAt(i) === close) return i + 1;
    for (;;) {
      if (object) {
        if (t.charCodeAt(i) !== 34) return -1;
        i = stringEnd(t, i, len);
        if (i < 0) return -1;
        i = skipSpaces(t, i);
        if (t.charCodeAt(i) !== 58) return -1; // :
        i = skipSpaces(t, i + 1);
      }
      i = valueEnd(t, i, len, depth + 1);
      if (i < 0) return -1;
      i = skipSpaces(t, i);
      const d = t.charCodeAt(i);
      if (d === close) return i + 1;
      if (d !== 44) return -1; // ,
      i = skipSpaces(t, i + 1);
    }
  }
  if (c === 116) return wordAt(t, i, 'true') ? i + 4 : -1;
  if (c === 102) return wordAt(t, i, 'false') ? i + 5 : -1;
  if (c === 110) return wordAt(t, i, 'null') ? i + 4 : -1;
  return numberEnd(t, i);
}

export function codeOf(c: number): number {
  if (c === 34) return STR;
  if (c === 45 || isDigit(c)) return NUM;
  if (c === 123) return OBJ;
  if (c === 91) return ARR;
  if (c === 116) return TRUE;
  if (c === 102) return FALSE;
  if (c === 110) return NUL;
  return 0;
}

/** Whether the key t[a, b) is `key`. */
export function keyIs(t: string, a: number, b: number, key: string): boolean {
  if (key.length !== b - a) return false;
  for (let k = 0; k < key.length; k++) if (t.charCodeAt(a + k) !== key.charCodeAt(k)) return false;
  return true;
}
