/** Call status in Tally's vocabulary (DESIGN §3). */
export type CallStatus = 'success' | 'error' | 'timeout' | 'cancelled';

/** What a call is and who made it: seed 002's tracking fields plus Tally's agent fields. */
export interface CallOptions {
  /** Function that made the call, e.g. `synthesize_answer`. */
  source_function?: string;
  /** Provider, e.g. `openai`, `anthropic`, `google` (seed 002's `api_provider` is accepted too). */
  provider?: string;
  api_provider?: string;
  /** generative, embedding, speech_to_text, translation, ocr, search, image, other. */
  api_type?: string;
  model?: string;
  /** chat_answer, summarization, transcription, … */
  operation?: string;
  user_id?: string;
  session_id?: string;
  /** Document or source being processed. */
  source_id?: string;
  agent_name?: string;
  agent_version?: string;
  temperature?: number;
  max_tokens?: number;
  /** Other request parameters, kept as given. */
  additional_params?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  tags?: string[];
}

/** Token counts in Tally semantics: input includes cache tokens, output includes reasoning tokens. */
export interface TokenCounts {
  input_tokens?: number;
  output_tokens?: number;
  /** Defaults to input + output. */
  total_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
}

/** A call made elsewhere, for `logCall()`. */
export interface LoggedCall extends CallOptions, TokenCounts {
  /** Start of the call (Date, ISO string or epoch ms); defaults to now minus the duration. */
  timestamp?: Date | string | number;
  duration_ms?: number;
  /** Seed 002's name for `duration_ms`. */
  latency_ms?: number;
  status?: CallStatus;
  error_type?: string;
  error_message?: string;
  /** Cost in USD when known; otherwise the SDK estimates it from the price book. */
  cost_usd?: number;
  /** Seed 002's name for `cost_usd`. */
  cost_estimate?: number;
  /** Idempotency key; a UUID is generated when absent. */
  id?: string;
  /** Time to the first content chunk of a streamed response, in ms. */
  ttft_ms?: number;
  /** Whether the response was streamed. */
  stream?: boolean;
  /** Provider endpoint called, e.g. `/v1/chat/completions`. */
  endpoint?: string;
}

/**
 * One JSONL line: Tally's CallEvent names (DESIGN §3), plus seed 002's `api_provider`, `latency_ms` and
 * `cost_estimate` so files written by the SDK read back in tools that know only seed 002's format.
 */
export interface CallLine {
  id: string;
  timestamp: string;
  end_time?: string;
  duration_ms?: number;
  latency_ms?: number;
  status: CallStatus;
  provider?: string;
  api_provider?: string;
  model?: string;
  api_type?: string;
  operation?: string;
  source_function?: string;
  user_id?: string;
  session_id?: string;
  source_id?: string;
  agent_name?: string;
  agent_version?: string;
  temperature?: number;
  max_tokens?: number;
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
  cost_usd: number | null;
  cost_estimate: number | null;
  cost_source: 'reported' | 'computed' | 'unpriced';
  price_model_id: string | null;
  error_type?: string;
  error_message?: string;
  additional_params?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  tags?: string[];
  ttft_ms?: number;
  stream?: boolean;
  endpoint?: string;
}
