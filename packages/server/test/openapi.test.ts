import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generateOpenApi } from '../src/openapi.js';

it('matches the committed OpenAPI document (run `npm run openapi -w @tally/server` after changing a route)', async () => {
  const committed: unknown = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));
  expect(JSON.parse(JSON.stringify(await generateOpenApi()))).toEqual(committed);
});
