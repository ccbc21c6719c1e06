import type { FieldError } from '@tally/core';

/** The error catalogue: every error a client can see, with its stable code and HTTP status. */
export const ERRORS = {
  malformed_json: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  store_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class TallyError extends Error {
  override readonly name = 'TallyError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldError[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERRORS[code];
  }
}

/** The body of every error response. `detail` repeats the message for clients written against FastAPI services. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldError[] };
  detail: string;
  request_id: string;
}

export function errorBody(code: string, message: string, requestId: string, fields?: FieldError[]): ErrorBody {
  return { error: fields ? { code, message, fields } : { code, message }, detail: message, request_id: requestId };
}

export const invalid = (fields: FieldError[], what = 'the request'): TallyError =>
  new TallyError(
    'validation_failed',
    `${what} is invalid: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`,
    fields,
  );
