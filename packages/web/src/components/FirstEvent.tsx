/** What an empty project shows: four ways to send a first call, with this server's own address filled in. */
export function FirstEvent() {
  const origin = window.location.origin;
  const now = new Date().toISOString().slice(0, 19) + 'Z';
  return (
    <section className="first-event" data-testid="first-event" aria-labelledby="first-event-title">
      <h2 id="first-event-title">No calls recorded yet</h2>
      <p>
        Send a first call in any of these ways; it appears here within seconds. With keys configured, add
        <code> -H 'authorization: Bearer &lt;ingest key&gt;'</code> (or <code>x-tally-key</code>).
      </p>
      <h3>curl</h3>
      <pre>{`curl -s -X POST ${origin}/api/v1/ingest/llm \\
  -H 'content-type: application/json' \\
  -d '{"id": "call-1", "timestamp": "${now}", "provider": "openai", "model": "gpt-4o",
       "input_tokens": 1200, "output_tokens": 300, "duration_ms": 840, "user_id": "alice"}'`}</pre>
      <h3>TypeScript SDK</h3>
      <pre>{`// TALLY_URL=${origin}
import OpenAI from 'openai';
import { wrapOpenAI, shutdown } from '@tally/sdk';

const openai = wrapOpenAI(new OpenAI(), { user_id: 'alice', agent_name: 'Support Bot' });
await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] });
await shutdown();`}</pre>
      <h3>OpenTelemetry (GenAI spans)</h3>
      <pre>{`export OTEL_EXPORTER_OTLP_ENDPOINT=${origin}
export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`}</pre>
      <h3>Recording proxy</h3>
      <pre>{`export OPENAI_BASE_URL=${origin}/proxy/openai/v1
export ANTHROPIC_BASE_URL=${origin}/proxy/anthropic`}</pre>
    </section>
  );
}
