// Reads one file of a FileSource front to back in large chunks with several reads in flight, and
// hands the chunks over strictly in order (hashing and writing need order; the network does not).
// Over SMB every read is a round trip: keeping a few 4 MiB reads in flight keeps the link busy
// while the previous chunk is hashed and written. A source with stream() (SMB) runs the reads
// itself, into buffers the caller may recycle; otherwise read() is called with `inFlight` reads
// outstanding.
import { EngineError } from '../errors';
import type { FileSource } from '../nas/file-source';
import { readsInOrder } from '../nas/reads-in-order';

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
  /**
   * Where a chunk is read, when the source can read into a given buffer (stream()): must return at
   * least `size` bytes nothing else uses until the caller is done with the chunk.
   */
  buffer?: (size: number) => Uint8Array;
}

export function cancelled(): EngineError {
  return new EngineError('CANCELLED', 'The export was cancelled.');
}

function shorter(path: string, at: number, size: number): EngineError {
  return new EngineError(
    'IO',
    `"${path}" became shorter while it was being copied (${at} of ${size} bytes). Export again when nobody is writing to it.`,
  );
}

/** Yields the bytes of [offset, size) in order; throws IO if the file is shorter than `size`. */
export function readAhead(opts: ReadAheadOptions): AsyncGenerator<Uint8Array> {
  return opts.source.stream ? streamed(opts) : parallelReads(opts);
}

async function* streamed(opts: ReadAheadOptions): AsyncGenerator<Uint8Array> {
  const { signal } = opts;
  if (signal.aborted) throw cancelled();
  const stream = (opts.source.stream as NonNullable<FileSource['stream']>).call(opts.source, opts.path, opts.offset, opts.size, {
    signal,
    chunkBytes: opts.chunkBytes ?? CHUNK_BYTES,
    parallel: opts.inFlight ?? READS_IN_FLIGHT,
    ...(opts.buffer ? { buffer: opts.buffer } : {}),
  });
  const it = stream[Symbol.asyncIterator]();
  // A cancel must not wait for a read that hangs (a NAS that went away answers nothing for seconds).
  let onAbort: (() => void) | null = null;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  let at = opts.offset;
  let finished = false;
  try {
    for (;;) {
      const r = await Promise.race([it.next(), aborted]);
      if (signal.aborted) throw cancelled();
      if (r.done) break;
      const data = r.value;
      if (at + data.length > opts.size) throw new EngineError('IO', `"${opts.path}" returned more bytes than it has (${at + data.length} of ${opts.size}).`);
      at += data.length;
      yield data;
    }
    finished = true;
    if (at !== opts.size) throw shorter(opts.path, at, opts.size);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    // Ends the reads still in flight (the source releases its handle once the current one settles).
    if (!finished) void Promise.resolve(it.return?.(undefined)).catch(() => {});
  }
}

function parallelReads(opts: ReadAheadOptions): AsyncGenerator<Uint8Array> {
  const check = () => {
    if (opts.signal.aborted) throw cancelled();
  };
  return readsInOrder({
    start: opts.offset,
    end: opts.size,
    chunk: opts.chunkBytes ?? CHUNK_BYTES,
    parallel: opts.inFlight ?? READS_IN_FLIGHT,
    read: (at, len) => opts.source.read(opts.path, at, len),
    beforeWait: check,
    accept: (data, at, want) => {
      check();
      if (data.length !== want) throw shorter(opts.path, at + data.length, opts.size);
      return true;
    },
  });
}
