import { parentPort, workerData } from 'node:worker_threads';
import type { ByteRange } from './read-lines.js';
import type { Question } from './usage-scan.js';
import { scanPart } from './usage-scan.js';

/** A worker thread of the analyzer: answers one question over one part of a file and posts the PartResult. */
export interface PartJob {
  path: string;
  range: ByteRange;
  maxLineBytes: number;
  question: Question;
}

const job = workerData as PartJob;
parentPort?.postMessage(await scanPart(job.path, job.range, job.maxLineBytes, job.question));
