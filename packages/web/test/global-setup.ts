// The browser tests serve the built dashboard: build it once before any test file runs, when it is stale.
// @ts-expect-error a plain ES module without types
import { buildIfNeeded } from '../scripts/build-if-needed.mjs';

export default async function setup(): Promise<void> {
  await (buildIfNeeded as (o: { quiet: boolean }) => Promise<boolean>)({ quiet: true });
}
