import type { TokenCounts } from './call-event.js';
import { field, instrumentCreate, isObject, num, str } from './wrap-core.js';
import type { CreateResource, EndpointAdapter, StreamWatcher, WrapOptions } from './wrap-core.js';

/** The part of an `@anthropic-ai/sdk` client Tally instruments; structural, so the SDK does not need the package. */
export interface AnthropicClientLike {
  messages?: CreateResource;
}

/**
 * Anthropic usage (formats.md §5): `input_tokens` excludes cache tokens, while Tally's input is the whole prompt,
 * so cache reads and writes are added back.
 */
export function anthropicTokens(usage: unknown): TokenCounts | undefined {
  if (!isObject(usage)) return undefined;
  const plain = num(usage.input_tokens);
  const read = num(usage.cache_read_input_tokens);
  const write = num(usage.cache_creation_input_tokens);
  const input =
    plain === undefined && read === undefined && write === undefined
      ? undefined
      : (plain ?? 0) + (read ?? 0) + (write ?? 0);
  return {
    input_tokens: input,
    output_tokens: num(usage.output_tokens),
    cache_read_tokens: read,
    cache_write_tokens: write,
  };
}

/**
 * `message_start` carries the initial usage; each `message_delta` carries cumulative counts, so the last one wins
 * field by field (never summed), and input counts may change there too.
 */
function messagesStream(): StreamWatcher {
  let model: string | undefined;
  const usage: Record<string, unknown> = {};
  const merge = (u: unknown) => {
    if (!isObject(u)) return;
    for (const [k, v] of Object.entries(u)) if (num(v) !== undefined) usage[k] = v;
  };
  return {
    chunk(value) {
      const type = field(value, 'type');
      if (type === 'message_start') {
        const message = field(value, 'message');
        model = str(field(message, 'model')) ?? model;
        merge(field(message, 'usage'));
      } else if (type === 'message_delta') merge(field(value, 'usage'));
      return type === 'content_block_delta';
    },
    result: () => ({ model, tokens: Object.keys(usage).length > 0 ? anthropicTokens(usage) : undefined }),
  };
}

const MESSAGES: EndpointAdapter = {
  provider: 'anthropic',
  endpoint: '/v1/messages',
  operation: 'chat',
  apiType: 'generative',
  fromResponse: (body) => ({ model: str(field(body, 'model')), tokens: anthropicTokens(field(body, 'usage')) }),
  watchStream: messagesStream,
};

/**
 * Instruments an `@anthropic-ai/sdk` client in place and returns it: every `messages.create` call, streamed or not,
 * and the helpers built on it (`messages.stream`, `messages.parse`) is recorded with its model, tokens (cache
 * included in input), duration, time to first token and cost. The caller gets exactly what the client returns; a
 * client error is recorded and rethrown unchanged.
 *
 * @example
 * const anthropic = wrapAnthropic(new Anthropic(), { user_id: 'u1', agent_name: 'support-bot' });
 * const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages });
 */
export function wrapAnthropic<C extends AnthropicClientLike>(client: C, options: WrapOptions = {}): C {
  instrumentCreate(client.messages, MESSAGES, options);
  return client;
}
