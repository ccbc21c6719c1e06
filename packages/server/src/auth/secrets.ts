import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys and the admin token are 192-bit random strings, so a plain SHA-256 is a safe way to store them
 * (a slow password hash guards low-entropy secrets; these are not) and lets a request be authenticated with
 * one hash and one map lookup.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(prefix: 'tly' | 'tly_admin'): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Short identifier of a key, safe to show and log: `tly_AbCd…`. */
export function keyPrefix(key: string): string {
  return `${key.slice(0, 10)}…`;
}
