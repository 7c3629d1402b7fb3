// Small, bounds-checked byte helpers shared by the readers. Everything that comes from a file is
// treated as hostile: every length is checked against what is really there before it is used.
import type { RangeSource } from './range-source';
import { FormatError } from './types';

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes: Uint8Array, strict = false): string {
  return strict ? utf8Strict.decode(bytes) : utf8.decode(bytes);
}

/** Reads exactly `length` bytes at `offset` or throws a FormatError saying the file is truncated. */
export async function readExact(src: RangeSource, offset: number, length: number, what = 'data'): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FormatError(`invalid range for ${what}`);
  }
  if (offset + length > src.size) throw new FormatError(`file is truncated: ${what} runs past the end of the file`);
  if (length === 0) return new Uint8Array(0);
  const out = await src.read(offset, length);
  if (out.length < length) throw new FormatError(`file is truncated: could not read ${what}`);
  return out.length === length ? out : out.subarray(0, length);
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** u64 → number, or throws when above Number.MAX_SAFE_INTEGER (no file we read has such sizes). */
export function u64ToNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n) throw new FormatError(`${what} is out of range`);
  return Number(v);
}

/** Product of dimensions; null when it is not a safe integer. */
export function product(dims: readonly number[]): number | null {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return null;
    n *= d;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

export function addTo(map: Record<string, number>, key: string, n: number): void {
  map[key] = (map[key] ?? 0) + n;
}

export function pushWarning(warnings: string[], message: string, max = 20): void {
  if (warnings.length < max) warnings.push(message);
  else if (warnings.length === max) warnings.push('further warnings omitted');
}

/** Truncates a string for metadata output. */
export function clip(s: string, max = 500): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * A forward cursor over a RangeSource with one buffered window. `has(n)` is synchronous; `fill(n)`
 * reads a new window of at least `chunk` bytes starting at the cursor. `skip(n)` moves without
 * reading, so a reader can jump over large fixed-width data in one step.
 */
export class SourceCursor {
  pos: number;
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  private dv: DataView = new DataView(new ArrayBuffer(0));
  littleEndian = true;
  refills = 0;
  /** Bytes asked of the source so far (a reader's budget). */
  bytesRead = 0;

  constructor(
    readonly src: RangeSource,
    start = 0,
    readonly chunk = 1 << 20,
    readonly jumpChunk = 64 * 1024,
  ) {
    this.pos = start;
  }

  get size(): number {
    return this.src.size;
  }

  remaining(): number {
    return this.src.size - this.pos;
  }

  has(n: number): boolean {
    const rel = this.pos - this.winStart;
    return rel >= 0 && rel + n <= this.win.length;
  }

  async fill(n: number, what = 'data'): Promise<void> {
    if (this.has(n)) return;
    if (!Number.isSafeInteger(n) || n < 0) throw new FormatError(`invalid length for ${what}`);
    if (this.pos + n > this.src.size) throw new FormatError(`file is truncated: ${what} runs past the end of the file`);
    // Sequential reading (the cursor is at or inside the old window) gets a full chunk; after a
    // jump past the window only a small one, since the reader is likely to jump again.
    const sequential = this.pos <= this.winStart + this.win.length;
    const want = sequential ? this.chunk : Math.min(this.chunk, this.jumpChunk);
    const len = Math.min(Math.max(n, want), this.src.size - this.pos);
    this.win = await readExact(this.src, this.pos, len, what);
    this.winStart = this.pos;
    this.dv = view(this.win);
    this.refills++;
    this.bytesRead += len;
  }

  skip(n: number, what = 'data'): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.src.size) {
      throw new FormatError(`file is truncated: ${what} runs past the end of the file`);
    }
    this.pos += n;
  }

  // The getters below assume has()/fill() was called for their width.
  private rel(n: number): number {
    const r = this.pos - this.winStart;
    this.pos += n;
    return r;
  }
  u8(): number {
    return this.win[this.rel(1)] as number;
  }
  u16(): number {
    return this.dv.getUint16(this.rel(2), this.littleEndian);
  }
  i16(): number {
    return this.dv.getInt16(this.rel(2), this.littleEndian);
  }
  u32(): number {
    return this.dv.getUint32(this.rel(4), this.littleEndian);
  }
  i32(): number {
    return this.dv.getInt32(this.rel(4), this.littleEndian);
  }
  u64(): bigint {
    return this.dv.getBigUint64(this.rel(8), this.littleEndian);
  }
  i64(): bigint {
    return this.dv.getBigInt64(this.rel(8), this.littleEndian);
  }
  f32(): number {
    return this.dv.getFloat32(this.rel(4), this.littleEndian);
  }
  f64(): number {
    return this.dv.getFloat64(this.rel(8), this.littleEndian);
  }
  bytes(n: number): Uint8Array {
    const r = this.rel(n);
    return this.win.subarray(r, r + n);
  }

  /** Async convenience wrappers (fill + read). */
  async readU32(what?: string): Promise<number> {
    if (!this.has(4)) await this.fill(4, what);
    return this.u32();
  }
  async readU64(what?: string): Promise<bigint> {
    if (!this.has(8)) await this.fill(8, what);
    return this.u64();
  }
  async readBytes(n: number, what?: string): Promise<Uint8Array> {
    if (!this.has(n)) await this.fill(n, what);
    return this.bytes(n);
  }
}

/** Test/utility source: `size` bytes where only `prefix` is real and the rest reads as zeros. */
export function sparseRange(
  prefix: Uint8Array,
  size: number,
  tail?: Uint8Array,
): RangeSource & { bytesRead: number; reads: number } {
  const tailStart = tail ? size - tail.length : size;
  const src = {
    size,
    bytesRead: 0,
    reads: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.max(0, offset);
      const end = Math.min(size, offset + length);
      const out = new Uint8Array(Math.max(0, end - start));
      for (let i = start; i < Math.min(end, prefix.length); i++) out[i - start] = prefix[i] as number;
      if (tail) {
        for (let i = Math.max(start, tailStart); i < end; i++) out[i - start] = tail[i - tailStart] as number;
      }
      src.bytesRead += out.length;
      src.reads++;
      return out;
    },
  };
  return src;
}
