// Reads one file of a FileSource front to back in large chunks with several reads in flight, and
// hands the chunks over strictly in order (hashing and writing need order; the network does not).
// Over SMB every read is a round trip: keeping a few 4 MiB reads in flight keeps the link busy
// while the previous chunk is hashed and written.
import { EngineError } from '../errors';
import type { FileSource } from '../nas/file-source';

export const CHUNK_BYTES = 4 * 1024 * 1024;
export const READS_IN_FLIGHT = 4;

export interface ReadAheadOptions {
  source: FileSource;
  path: string;
  /** Where to start and the size the file must have. */
  offset: number;
  size: number;
  signal: AbortSignal;
  chunkBytes?: number;
  inFlight?: number;
}

export function cancelled(): EngineError {
  return new EngineError('CANCELLED', 'The export was cancelled.');
}

/** Yields the bytes of [offset, size) in order; throws IO if the file is shorter than `size`. */
export async function* readAhead(opts: ReadAheadOptions): AsyncGenerator<Uint8Array> {
  const chunk = opts.chunkBytes ?? CHUNK_BYTES;
  const window = Math.max(1, opts.inFlight ?? READS_IN_FLIGHT);
  const pending: Array<{ at: number; want: number; result: Promise<Uint8Array> }> = [];
  let next = opts.offset;
  const issue = () => {
    while (pending.length < window && next < opts.size) {
      const at = next;
      const want = Math.min(chunk, opts.size - at);
      next += want;
      const result = opts.source.read(opts.path, at, want);
      // Reads abandoned after a failure or a cancel must not become unhandled rejections.
      result.catch(() => {});
      pending.push({ at, want, result });
    }
  };
  try {
    issue();
    while (pending.length > 0) {
      if (opts.signal.aborted) throw cancelled();
      const head = pending.shift() as (typeof pending)[number];
      const data = await head.result;
      if (opts.signal.aborted) throw cancelled();
      if (data.length !== head.want) {
        throw new EngineError(
          'IO',
          `"${opts.path}" became shorter while it was being copied (${head.at + data.length} of ${opts.size} bytes). Export again when nobody is writing to it.`,
        );
      }
      issue();
      yield data;
    }
  } finally {
    pending.length = 0;
  }
}
