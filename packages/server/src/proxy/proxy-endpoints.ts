import type { ApiType } from '@tally/core';

/** Which provider format a route speaks. */
export type Family = 'openai' | 'anthropic';

/** The kind of API a recorded call went to (the record's `upstream_mode`). */
export type UpstreamMode = 'chat' | 'responses' | 'embeddings' | 'completions' | 'messages';

export interface ProxyEndpoint {
  family: Family;
  method: 'GET' | 'POST';
  /** The provider's own path, as recorded in `endpoint`; the route is /proxy/<family> followed by it. */
  path: string;
  /** null: passed through and not recorded (listing models is not a model call and costs nothing). */
  mode: UpstreamMode | null;
  apiType: ApiType;
  operation: string;
  summary: string;
}

export const PROXY_ENDPOINTS: readonly ProxyEndpoint[] = [
  {
    family: 'openai',
    method: 'POST',
    path: '/v1/chat/completions',
    mode: 'chat',
    apiType: 'generative',
    operation: 'chat',
    summary: 'OpenAI Chat Completions, forwarded and recorded (streaming included)',
  },
  {
    family: 'openai',
    method: 'POST',
    path: '/v1/responses',
    mode: 'responses',
    apiType: 'generative',
    operation: 'chat',
    summary: 'OpenAI Responses API, forwarded and recorded (streaming included)',
  },
  {
    family: 'openai',
    method: 'POST',
    path: '/v1/embeddings',
    mode: 'embeddings',
    apiType: 'embedding',
    operation: 'embeddings',
    summary: 'OpenAI embeddings, forwarded and recorded',
  },
  {
    family: 'openai',
    method: 'POST',
    path: '/v1/completions',
    mode: 'completions',
    apiType: 'generative',
    operation: 'text_completion',
    summary: 'OpenAI legacy completions, forwarded and recorded (streaming included)',
  },
  {
    family: 'openai',
    method: 'GET',
    path: '/v1/models',
    mode: null,
    apiType: 'other',
    operation: 'list_models',
    summary: "The upstream's model list, forwarded (not recorded: it is not a model call)",
  },
  {
    family: 'anthropic',
    method: 'POST',
    path: '/v1/messages',
    mode: 'messages',
    apiType: 'generative',
    operation: 'chat',
    summary: 'Anthropic Messages, forwarded and recorded (streaming included)',
  },
];
