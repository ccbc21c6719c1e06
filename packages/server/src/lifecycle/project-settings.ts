import type { FieldError } from '@tally/core';

/** The ranges of a project's lifecycle settings; null clears a setting. */
export const SETTING_RANGES = {
  retention_days: { max: 36_500, means: "days of data kept, or null for the server's TALLY_RETENTION_DAYS" },
  max_events: { max: 1_000_000_000, means: 'the most calls kept, or null for no limit' },
} as const;

/**
 * Says what is wrong with the lifecycle settings of a request body, in words a user can act on; the schema
 * validator alone would answer "must be integer,null".
 */
export function settingErrors(body: unknown): FieldError[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors: FieldError[] = [];
  for (const [name, { max, means }] of Object.entries(SETTING_RANGES)) {
    const value = (body as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max)) {
      errors.push({
        path: `body.${name}`,
        message: `must be a whole number from 1 to ${max} (${means}); got ${JSON.stringify(value)}`,
      });
    }
  }
  return errors;
}
