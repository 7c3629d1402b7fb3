// Helpers for the format tests (not used at runtime).
import type { RangeSource } from './range-source';

/** Every prefix-truncation of `bytes` at a few cut points (start, middle, near end). */
export function cutPoints(length: number): number[] {
  const pts = new Set<number>([0, 1, 4, 7, 8, 9, 16, 24, 31, Math.floor(length / 3), Math.floor(length / 2), length - 9, length - 5, length - 1]);
  return [...pts].filter((p) => p >= 0 && p < length).sort((a, b) => a - b);
}

/** A source that throws if anyone reads more than `limit` bytes in one call. */
export function strictRange(bytes: Uint8Array, maxRead: number): RangeSource & { bytesRead: number } {
  const src = {
    size: bytes.length,
    bytesRead: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (length > maxRead) throw new Error(`read of ${length} bytes exceeds ${maxRead}`);
      const out = bytes.subarray(offset, offset + length);
      src.bytesRead += out.length;
      return out;
    },
  };
  return src;
}

export function u64le(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
