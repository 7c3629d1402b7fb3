// A fixed set of equal buffers carved from one SharedArrayBuffer, recycled chunk after chunk while a
// large file is copied: no allocation (and no garbage collection) per chunk, and a hash worker can
// read a chunk where it lies (the worker gets the SharedArrayBuffer once) while the same bytes are
// written to disk. The pool also bounds memory: the copy loop waits for a free slot before it asks
// the source for the next chunk.

export class ChunkPool {
  readonly shared: SharedArrayBuffer;
  private readonly free: number[] = [];
  private readonly taken: boolean[];
  private readonly waiters: Array<() => void> = [];

  constructor(
    readonly slotBytes: number,
    readonly slots: number,
  ) {
    if (!Number.isSafeInteger(slotBytes) || slotBytes <= 0 || !Number.isSafeInteger(slots) || slots <= 0) {
      throw new RangeError(`ChunkPool: bad size ${slots} × ${slotBytes}`);
    }
    this.shared = new SharedArrayBuffer(slotBytes * slots);
    this.taken = new Array<boolean>(slots).fill(false);
    for (let i = slots - 1; i >= 0; i--) this.free.push(i);
  }

  get freeSlots(): number {
    return this.free.length;
  }

  /** A view of `size` bytes of a free slot; a fresh (unpooled) buffer when none is free or `size` is too big. */
  take(size: number): Uint8Array {
    const i = size <= this.slotBytes ? this.free.pop() : undefined;
    if (i === undefined) return new Uint8Array(size);
    this.taken[i] = true;
    return new Uint8Array(this.shared, i * this.slotBytes, size);
  }

  /** True when `view` lies in this pool (so a worker holding `shared` can read it in place). */
  owns(view: Uint8Array): boolean {
    return view.buffer === this.shared;
  }

  /** Returns the slot `view` lies in; views not from the pool, and slots already returned, are ignored. */
  give(view: Uint8Array): void {
    if (!this.owns(view)) return;
    const i = Math.floor(view.byteOffset / this.slotBytes);
    if (!this.taken[i]) return;
    this.taken[i] = false;
    this.free.push(i);
    const wake = this.waiters.splice(0);
    for (const w of wake) w();
  }

  /** Resolves once at least `n` slots are free. */
  async room(n = 1): Promise<void> {
    const want = Math.min(n, this.slots);
    while (this.free.length < want) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
