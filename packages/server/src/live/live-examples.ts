import * as eventExamples from '../routes/event-examples.js';
import { sseFrame } from './sse-stream.js';

/** The start of a live stream as the OpenAPI document shows it: the ready event, one call, a keep-alive. */
export const liveStream =
  sseFrame(
    'ready',
    JSON.stringify({ project_id: 'support', filters: [{ field: 'model', op: 'in', values: ['gpt-4o'] }] }),
  ) +
  sseFrame('call', JSON.stringify(eventExamples.event), eventExamples.event.id) +
  ': keep-alive\n\n' +
  sseFrame('dropped', JSON.stringify({ count: 12 }));
