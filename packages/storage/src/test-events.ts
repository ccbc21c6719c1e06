import { PriceBook, prepareCallEvent, type CallEvent, type CallEventInput } from '@tally/core';

const book = new PriceBook();

/** Builds a valid stored CallEvent through the same path ingest uses; for tests of every backend. */
export function makeCall(projectId: string, input: Partial<CallEventInput> & Record<string, unknown> = {}): CallEvent {
  const prepared = prepareCallEvent(
    {
      timestamp: Date.now() - 60_000,
      model: 'gpt-4o-mini',
      provider: 'openai',
      input_tokens: 100,
      output_tokens: 20,
      ...input,
    },
    { projectId, now: Date.now(), ingestSource: 'api', capturePolicy: 'full', priceBook: book },
  );
  if (!prepared.ok) throw new Error(`test event is invalid: ${JSON.stringify(prepared.errors)}`);
  return prepared.value;
}
