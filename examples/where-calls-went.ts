import { resolve } from 'node:path';
import { stats } from '@tally/sdk';

/**
 * Where the SDK put this process's calls, for the examples' summary line; call it after `shutdown()`. The SDK reads
 * the same variables: `TALLY_URL` sends calls to a Tally server, otherwise they are appended to a JSONL file.
 *
 * @example await shutdown(); console.log(`3 calls; ${whereCallsWent()}`);
 */
export function whereCallsWent(): string {
  const { written, dropped, errors, spilled = 0 } = stats();
  // A failure to deliver is the example's failure too, so scripts running it notice.
  if (dropped > 0 || errors > 0) process.exitCode = 1;
  const problems = `${spilled} spilled to disk for a later run, ${dropped} dropped, ${errors} errors`;
  const url = process.env.TALLY_URL?.trim();
  if (url) return `sent to Tally at ${url}: ${written} acknowledged, ${problems}`;
  const dir = process.env.LLM_TRACKING_DIR?.trim() || './logs/llm_tracking';
  const file = process.env.LLM_TRACKING_FILE?.trim() || 'master_llm_calls.jsonl';
  return `appended to ${resolve(dir, file)}: ${written} written, ${dropped} dropped, ${errors} errors`;
}
