// Every format reader is a pure function over a RangeSource: a size and a ranged read. Over SMB each
// read is a round trip, so readers prefer one generous head read to many small ones, and every
// reader has a byte cap (see FORMATS.md).
export interface RangeSource {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** An in-memory RangeSource (tests, and small files already read whole). Counts what was read. */
export function bufferRange(bytes: Uint8Array): RangeSource & { bytesRead: number; reads: number } {
  const src = {
    size: bytes.length,
    bytesRead: 0,
    reads: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const out = bytes.subarray(Math.max(0, offset), Math.min(bytes.length, offset + length));
      src.bytesRead += out.length;
      src.reads++;
      return out;
    },
  };
  return src;
}

/** Wraps a RangeSource so that reading more than `cap` bytes in total throws. */
export function cappedRange(inner: RangeSource, cap: number): RangeSource & { bytesRead: number } {
  const src = {
    size: inner.size,
    bytesRead: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      if (src.bytesRead + length > cap) {
        throw new Error(`read budget of ${cap} bytes exceeded`);
      }
      const out = await inner.read(offset, length);
      src.bytesRead += out.length;
      return out;
    },
  };
  return src;
}
