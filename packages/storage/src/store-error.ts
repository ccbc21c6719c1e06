/** A failure of the store itself (not of the caller's input): the server answers 503 for these. */
export class StoreError extends Error {
  readonly code: string;
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.code = options.code ?? 'store_unavailable';
  }
}
