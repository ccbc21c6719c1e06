import type { FieldError } from '@tally/core';
import { invalid } from '../errors.js';

/**
 * Reads the fields of a JSON body (an HTTP request, or the CLI's flags on the data directory) one by one, collecting
 * every problem with its path, so that one answer names all of them.
 */
export class FieldReader {
  readonly errors: FieldError[] = [];

  constructor(
    private readonly body: Record<string, unknown>,
    private readonly what: string,
  ) {}

  has(name: string): boolean {
    return this.body[name] !== undefined;
  }

  problem(name: string, message: string): void {
    this.errors.push({ path: name ? `body.${name}` : 'body', message });
  }

  text(name: string, max = 256): string | undefined {
    const v = this.body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || v.length > max) {
      this.problem(name, `must be a non-empty string of at most ${max} characters`);
      return undefined;
    }
    return v;
  }

  /** A string, or null to clear it. */
  nullableText(name: string, max = 256): string | null | undefined {
    return this.body[name] === null ? null : this.text(name, max);
  }

  oneOf<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const v = this.body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.problem(name, `must be one of ${choices.join(', ')}; got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v as T;
  }

  number(name: string, min: number, max: number, whole = false): number | undefined {
    const v = this.body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (whole && !Number.isInteger(v))) {
      this.problem(
        name,
        `must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(v)}`,
      );
      return undefined;
    }
    return v;
  }

  boolean(name: string): boolean | undefined {
    const v = this.body[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.problem(name, `must be true or false; got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }

  require(name: string): void {
    if (this.body[name] === undefined) this.problem(name, 'is required');
  }

  /** Names in the body that are not in `known`: a misspelt setting is an error, not silently ignored. */
  onlyKnown(known: readonly string[]): void {
    for (const k of Object.keys(this.body)) {
      if (!known.includes(k)) this.problem(k, `is not a field of ${this.what}; use ${known.join(', ')}`);
    }
  }

  /** Throws a 422 naming every problem found. */
  done(): void {
    if (this.errors.length > 0) throw invalid(this.errors, this.what);
  }
}

/** The body as an object, or a 422 saying it must be one. */
export function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw invalid([{ path: 'body', message: 'must be a JSON object' }], what);
}

/** A short random id with a prefix, as other Tally ids look (`bud_9f3c…`). */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
