// Positional writes of one file, one after another in the background, so that reading the next
// chunks never waits for the disk (memory stays bounded by the caller: it waits for room in its
// ChunkPool, or for its chunks to be written and read back). A failed write is kept and reported by
// check(); the writes queued after it are skipped.
import type { FileHandle } from 'node:fs/promises';
import type { EngineError } from '../errors';
import { destinationError } from './local-fs';

export class WriteQueue {
  private chain: Promise<void> = Promise.resolve();
  error: EngineError | null = null;
  /** Bytes written (all writes queued so far that completed, counted when they complete). */
  writtenBytes = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly where: string,
  ) {}

  /** Queues a write of all of `data` at `position`; resolves when it is done (never rejects). */
  write(data: Uint8Array, position: number): Promise<void> {
    const p = this.chain
      .then(async () => {
        if (this.error) return;
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await this.fh.write(data, done, data.length - done, position + done);
          done += bytesWritten;
        }
        this.writtenBytes += data.length;
      })
      .catch((err: unknown) => {
        this.error ??= destinationError(err, this.where);
      });
    this.chain = p;
    return p;
  }

  /** Resolves when every write queued so far has finished (or failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Throws the first write error. */
  check(): void {
    if (this.error) throw this.error;
  }
}
