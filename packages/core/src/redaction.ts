/** How much prompt and completion text a project stores: nothing, a redacted copy, or everything. */
export type CapturePolicy = 'none' | 'redacted' | 'full';

// Every pattern starts with a look-behind that rejects a start inside a run of the same characters, so each run
// is tried from one position only; with no backtracking into nested quantifiers this keeps redaction linear
// even on megabyte inputs built to be adversarial (many near-miss prefixes, long runs).
const KEY_CHARS = 'A-Za-z0-9_\\-';
const API_KEY_PATTERNS: readonly RegExp[] = [
  // OpenAI sk-…, sk-proj-…; Anthropic sk-ant-…. Real keys contain a digit; "sk-learn-is-a-python-library" does not.
  new RegExp(`(?<![${KEY_CHARS}])sk-(?=[${KEY_CHARS}]{0,200}\\d)[${KEY_CHARS}]{20,}`, 'g'),
  /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g, // AWS access key id
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}/g, // GitHub classic tokens
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}/g, // GitHub fine-grained tokens
  new RegExp(`(?<![${KEY_CHARS}])AIza[${KEY_CHARS}]{35}`, 'g'), // Google API key
  /(?<![A-Za-z0-9-])xox[abeoprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /(?<![A-Za-z0-9_\-.])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g, // JWT
];
// A bearer token is opaque; requiring a digit keeps prose such as "Bearer responsibilities" intact.
const BEARER = /(?<![A-Za-z])([Bb]earer[ \t]{1,8})(?=[A-Za-z._~+/=-]{0,200}\d)[A-Za-z0-9._~+/=-]{16,}/g;
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/g;
// 13–19 digits, single spaces or dashes allowed between them. Networks' numbers start with 2–6, which also spares
// millisecond timestamps (1…); a Luhn check spares most other long numbers; a leading + means a phone number.
const CARD = /(?<![\d.+])[2-6](?:[ -]?\d){12,18}(?!\d)/g;
const PHONE_PATTERNS: readonly RegExp[] = [
  // +CC international: digits run together, or groups split by a separator. Groups never touch each other, so a
  // failed match cannot backtrack through the many ways of splitting a digit run.
  /(?<![\w+])\+(?:\d{8,15}|\d{1,3}(?:[ .-]?\(\d{1,4}\)[ .-]?\d{1,8})?(?:[ .-]\d{1,8}){0,6})(?!\d)/g,
  /(?<![\w(])\(\d{3}\)[ ]?\d{3}[-. ]\d{4}(?!\d)/g, // (415) 555-2671
  /(?<![\w.-])(?:1[-. ])?\d{3}([-. ])\d{3}\1\d{4}(?![\d-])/g, // 415-555-2671, 1-800-555-1234: one separator
  /(?<![\w.-])0\d{1,4}([ .-])\d{2,8}(?:\1\d{2,8}){0,4}(?![\d-])/g, // trunk-prefix 0…: 020 7946 0958, 06 12 34 56 78
];

const API_KEY = '[REDACTED:api_key]';

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
}

function passesLuhn(candidate: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = candidate.length - 1; i >= 0; i--) {
    const c = candidate.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    const d = double ? c * 2 : c;
    sum += d > 9 ? d - 9 : d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Replaces secrets and personal data with typed markers, for the `redacted` capture policy: API keys and
 * tokens (OpenAI, Anthropic, AWS, GitHub, Google, Slack, `Bearer …`, JWTs) → `[REDACTED:api_key]`, e-mail
 * addresses → `[REDACTED:email]`, Luhn-valid card numbers → `[REDACTED:card]`, phone numbers with at least
 * 9 digits → `[REDACTED:phone]`. Ordinary text and numbers are left alone.
 *
 * @example redactText('mail bob@example.com, key sk-proj-4f9Kq2ZxW8mN1vB7tR3yL0pS')
 *   // → 'mail [REDACTED:email], key [REDACTED:api_key]'
 */
export function redactText(text: string): string {
  let out = text;
  // Keys first: they contain digit runs that would otherwise look like cards or phone numbers.
  for (const re of API_KEY_PATTERNS) out = out.replace(re, API_KEY);
  out = out.replace(BEARER, `$1${API_KEY}`);
  out = out.replace(EMAIL, '[REDACTED:email]');
  out = out.replace(CARD, (m) => (digitCount(m) >= 13 && passesLuhn(m) ? '[REDACTED:card]' : m));
  for (const re of PHONE_PATTERNS) {
    out = out.replace(re, (m) => (digitCount(m) >= 9 && digitCount(m) <= 15 ? '[REDACTED:phone]' : m));
  }
  return out;
}

/**
 * The text to store under a project's capture policy: `none` stores nothing, `redacted` stores
 * {@link redactText}'s output, `full` stores the text unchanged.
 *
 * @example applyCapturePolicy('redacted', 'call +44 20 7946 0958') // → 'call [REDACTED:phone]'
 */
export function applyCapturePolicy(policy: CapturePolicy, text: string | null | undefined): string | null {
  if (text === null || text === undefined || policy === 'none') return null;
  return policy === 'redacted' ? redactText(text) : text;
}
