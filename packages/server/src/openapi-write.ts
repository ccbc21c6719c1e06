import { writeFileSync } from 'node:fs';
import { generateOpenApi } from './openapi.js';

// `npm run openapi -w @tally/server` rewrites the committed spec; a test fails when it drifts from the routes.
const spec = await generateOpenApi();
writeFileSync(new URL('../openapi.json', import.meta.url), `${JSON.stringify(spec, null, 2)}\n`);
console.log('wrote packages/server/openapi.json');
