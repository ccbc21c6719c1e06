import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generateOpenApi } from '../src/openapi.js';

it('matches the committed OpenAPI document (run `npm run openapi -w @tally/server` after changing a route)', async () => {
  const committed: unknown = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
  expect(JSON.parse(JSON.stringify(await generateOpenApi()))).toEqual(committed);
});

interface Media {
  schema?: { examples?: unknown[] };
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Response {
  description?: string;
  content?: Record<string, Media>;
}
interface Operation {
  responses?: Record<string, Response>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** What @fastify/swagger writes when a response schema has no description. */
const DEFAULT_DESCRIPTION = 'Default Response';

const hasExample = (m: Media) =>
  (Array.isArray(m.schema?.examples) && m.schema.examples.length > 0) ||
  m.example !== undefined ||
  (m.examples !== undefined && Object.keys(m.examples).length > 0);

/** Why a success response falls short, or null when it shows an example (or describes a body that is not JSON). */
function missingExample(status: string, res: Response): string | null {
  const content = res.content ?? {};
  const json = content['application/json'];
  if (json) return hasExample(json) ? null : `${status}: no example on application/json`;
  if (Object.keys(content).length > 0) {
    // A file (CSV, Parquet, …) is documented by its description; a JSON body would need an example.
    return res.description && res.description !== DEFAULT_DESCRIPTION ? null : `${status}: no description`;
  }
  return status === '204' ? null : `${status}: no content, so no example`;
}

it('shows an example for every success response in the OpenAPI document', async () => {
  const spec = JSON.parse(JSON.stringify(await generateOpenApi())) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const problems: string[] = [];
  let operations = 0;
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      operations++;
      const name = `${method.toUpperCase()} ${path}`;
      const ok = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
      if (ok.length === 0) problems.push(`${name}: no 2xx response`);
      for (const [status, res] of ok) {
        const why = missingExample(status, res);
        if (why) problems.push(`${name} ${why}`);
      }
    }
  }
  expect(operations).toBeGreaterThan(30);
  expect(problems).toEqual([]);
});
