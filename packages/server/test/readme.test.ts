import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

it('documents every setting loadConfig reads in the README configuration table', () => {
  for (const [name] of SETTINGS) expect(readme).toMatch(new RegExp(`\\| \`${name}\` +\\|`));
});

it('shows the two commands a new user types', () => {
  expect(readme).toContain('npm install && npm start');
  expect(readme).toContain('npm test');
});
