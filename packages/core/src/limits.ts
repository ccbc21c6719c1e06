/**
 * Limits on what one ingested record may carry. They keep a single bad client from filling the store or the
 * process heap; each is documented in the README's "Data model" section and named in the error a client gets.
 */
export const LIMITS = Object.freeze({
  /** Identifiers: id, trace/span ids, user, session, agent, provider, model and the other dimensions. */
  shortString: 256,
  /** Client idempotency key (`id`). */
  idLength: 128,
  /** endpoint, user_agent and similar longer labels. */
  labelString: 1024,
  /** error_message. */
  errorMessage: 8192,
  /** input_text / output_text, each. */
  contentText: 262_144,
  /** Number of tags on one record, and the length of one tag. */
  tagCount: 64,
  tagLength: 128,
  /** metadata: nesting depth, number of keys in all, and size once serialized. */
  metadataDepth: 5,
  metadataKeys: 256,
  metadataBytes: 65_536,
  /** Token counts above this are rejected as nonsense (no model has a context anywhere near it). */
  maxTokens: 1_000_000_000_000,
  /** A timestamp may lie at most this far in the future (clock skew), in ms. */
  futureSkewMs: 24 * 60 * 60 * 1000,
  /** Items in one bulk request. */
  bulkItems: 10_000,
});
