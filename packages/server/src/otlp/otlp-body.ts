import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import { TallyError } from '../errors.js';

/** The two OTLP/HTTP encodings; a request is answered in its own. */
export type OtlpEncoding = 'json' | 'protobuf';

export const OTLP_MEDIA_TYPES = ['application/x-protobuf', 'application/json'] as const;

/** The encoding a Content-Type names, or null when it is neither of OTLP's. */
export function encodingOf(contentType: string | string[] | undefined): OtlpEncoding | null {
  const essence = (typeof contentType === 'string' ? contentType : '').split(';')[0]?.trim().toLowerCase();
  if (essence === 'application/x-protobuf') return 'protobuf';
  if (essence === 'application/json') return 'json';
  return null;
}

type Inflate = (buf: InputType, options: ZlibOptions) => Promise<Buffer>;
const gunzipAsync = promisify(gunzip) as Inflate;
const inflateAsync = promisify(inflate) as Inflate;
const inflateRawAsync = promisify(inflateRaw) as Inflate;

/**
 * Undoes the Content-Encoding. Inflating stops as soon as the output passes `limit`, so a small compressed body
 * cannot expand into a large one in memory (a decompression bomb); the client gets a 413 instead.
 */
export async function decompress(raw: Buffer, encoding: string | string[] | undefined, limit: number): Promise<Buffer> {
  const name = (typeof encoding === 'string' ? encoding : '').trim().toLowerCase();
  if (name === '' || name === 'identity') return raw;
  const options: ZlibOptions = { maxOutputLength: limit };
  try {
    if (name === 'gzip' || name === 'x-gzip') return await gunzipAsync(raw, options);
    if (name === 'deflate') {
      // HTTP's deflate is zlib-wrapped, but some clients send raw deflate: accept both.
      return await inflateAsync(raw, options).catch((err: NodeJS.ErrnoException) =>
        err.code === 'Z_DATA_ERROR' ? inflateRawAsync(raw, options) : Promise.reject(err),
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TallyError(
        'payload_too_large',
        `the body is larger than the limit of ${limit} bytes once decompressed; send smaller batches or raise TALLY_BODY_LIMIT_MB`,
        undefined,
        { cause: err },
      );
    }
    throw new TallyError('bad_request', `the body is not valid ${name} data: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
  throw new TallyError(
    'unsupported_media_type',
    `Content-Encoding ${name} is not supported; send the body uncompressed, gzip or deflate`,
  );
}
