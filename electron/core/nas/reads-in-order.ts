// The pipelined read loop every bulk reader shares (SMB stream(), local stream(), the export's
// read-ahead): [start, end) in `chunk`-sized pieces, up to `parallel` reads in flight, handed over
// in file order. The next reads are issued before a piece is handed over, so the source stays busy
// while the consumer works on it.

export interface ReadsInOrder<T> {
  start: number;
  end: number;
  chunk: number;
  parallel: number;
  /** Starts the read of [at, at + len); called in file order. */
  read(at: number, len: number): Promise<T>;
  /** Before waiting for the next piece: throw to stop (a cancel must not wait for a hung read). */
  beforeWait?(): void;
  /** Once a piece is in: throw to fail, false to end the stream here (end of file). */
  accept?(value: T, at: number, len: number): boolean;
  /** Wait for the reads still in flight when the loop ends early (before a handle they use closes). */
  settle?: boolean;
}

export async function* readsInOrder<T>(o: ReadsInOrder<T>): AsyncGenerator<T, void, undefined> {
  const parallel = Math.max(1, o.parallel);
  const pending: Array<{ at: number; len: number; result: Promise<T> }> = [];
  let next = o.start;
  const issue = () => {
    while (pending.length < parallel && next < o.end) {
      const at = next;
      const len = Math.min(o.chunk, o.end - at);
      next += len;
      const result = o.read(at, len);
      // Seen when its turn comes; reads abandoned after a failure or an early stop must not become
      // unhandled rejections.
      result.catch(() => {});
      pending.push({ at, len, result });
    }
  };
  try {
    issue();
    while (pending.length > 0) {
      o.beforeWait?.();
      const head = pending.shift() as (typeof pending)[number];
      const value = await head.result;
      if (o.accept && !o.accept(value, head.at, head.len)) return;
      issue();
      yield value;
    }
  } finally {
    if (o.settle) await Promise.allSettled(pending.map((p) => p.result));
    pending.length = 0;
  }
}
