import { Ajv } from 'ajv';

/** The one Ajv instance of core: every error reported (a user wants all bad fields at once), no coercion. */
export const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
