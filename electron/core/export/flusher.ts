// Puts a file being written on disk while it is written, not after: every `every` bytes, an
// fdatasync runs in the background (the writes go on meanwhile), so the fsync before the file gets
// its name has only the last stretch left. Left to the kernel, a 1 GiB copy stays dirty in the page
// cache (writeback starts at 10% of RAM) and the final fsync took 1.1–1.5 s on its own here.
import type { FileHandle } from 'node:fs/promises';
import type { EngineError } from '../errors';
import { destinationError } from './local-fs';

/** Bytes written between background fdatasyncs. */
export const FLUSH_BYTES = 64 * 1024 * 1024;
/**
 * Background fdatasyncs at once, over every file being written: each holds a libuv thread (4 in
 * all) for as long as the disk takes, and the writes and reads of the copies need those threads too.
 */
const MAX_RUNNING = 1;
let running = 0;

export class BackgroundFlusher {
  private flushing: Promise<void> | null = null;
  private flushedAt: number;
  /** The first failed fdatasync (the disk refused what was written). */
  error: EngineError | null = null;

  constructor(
    private readonly fh: FileHandle,
    private readonly where: string,
    private readonly every: number = FLUSH_BYTES,
    startAt = 0,
  ) {
    this.flushedAt = startAt;
  }

  /** `written`: bytes of the file on their way to disk so far. Starts a flush when one is due. */
  wrote(written: number): void {
    if (this.flushing !== null || running >= MAX_RUNNING || written - this.flushedAt < this.every) return;
    this.flushedAt = written;
    running++;
    this.flushing = this.fh
      .datasync()
      .catch((err: unknown) => {
        this.error ??= destinationError(err, this.where);
      })
      .finally(() => {
        running--;
        this.flushing = null;
      });
  }

  /** Resolves when no flush is running (never rejects: see `error`). Await before closing the handle. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
