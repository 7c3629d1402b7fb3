// A bounds-checked FlatBuffers reader over windows of a file (TFLite models, Arrow footers). Offsets
// are absolute file positions; reading outside the loaded windows throws NeedBytes, and
// readWithWindows() loads that range (a small read) and runs the parse again, a bounded number of
// times. Every offset comes from the file, so every one is checked before it is followed.
import { readExact } from './bytes';
import type { RangeSource } from './range-source';
import { FormatError } from './types';

export class NeedBytes extends Error {
  constructor(readonly offset: number, readonly length: number) {
    super(`need bytes ${offset}+${length}`);
  }
}

interface Window {
  start: number;
  bytes: Uint8Array;
  dv: DataView;
}

export class FbFile {
  private windows: Window[] = [];
  constructor(readonly size: number) {}

  add(start: number, bytes: Uint8Array): void {
    this.windows.push({ start, bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  }

  private at(pos: number, n: number): { dv: DataView; rel: number } {
    if (!Number.isSafeInteger(pos) || pos < 0 || pos + n > this.size) throw new FormatError(`offset ${pos} points outside the file`);
    for (const w of this.windows) {
      if (pos >= w.start && pos + n <= w.start + w.bytes.length) return { dv: w.dv, rel: pos - w.start };
    }
    throw new NeedBytes(pos, n);
  }

  u8(pos: number): number {
    const { dv, rel } = this.at(pos, 1);
    return dv.getUint8(rel);
  }
  u16(pos: number): number {
    const { dv, rel } = this.at(pos, 2);
    return dv.getUint16(rel, true);
  }
  i16(pos: number): number {
    const { dv, rel } = this.at(pos, 2);
    return dv.getInt16(rel, true);
  }
  u32(pos: number): number {
    const { dv, rel } = this.at(pos, 4);
    return dv.getUint32(rel, true);
  }
  i32(pos: number): number {
    const { dv, rel } = this.at(pos, 4);
    return dv.getInt32(rel, true);
  }
  i64(pos: number): number {
    const { dv, rel } = this.at(pos, 8);
    const v = dv.getBigInt64(rel, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new FormatError('64-bit value out of range');
    return Number(v);
  }
  bytes(pos: number, n: number): Uint8Array {
    const { dv, rel } = this.at(pos, n);
    return new Uint8Array(dv.buffer, dv.byteOffset + rel, n);
  }

  /** The root table whose u32 offset sits at `pos`. */
  root(pos = 0): FbTable {
    return new FbTable(this, pos + this.u32(pos));
  }
}

export class FbTable {
  private readonly vt: number;
  private readonly vtLen: number;
  constructor(
    readonly f: FbFile,
    readonly pos: number,
  ) {
    this.vt = pos - f.i32(pos);
    this.vtLen = f.u16(this.vt);
    if (this.vtLen < 4 || this.vtLen % 2) throw new FormatError('corrupt flatbuffer vtable');
  }

  /** Absolute position of field `i` (0-based), or 0 when absent. */
  field(i: number): number {
    const o = 4 + 2 * i;
    if (o + 2 > this.vtLen) return 0;
    const off = this.f.u16(this.vt + o);
    return off ? this.pos + off : 0;
  }
  u8(i: number, def = 0): number {
    const p = this.field(i);
    return p ? this.f.u8(p) : def;
  }
  i16(i: number, def = 0): number {
    const p = this.field(i);
    return p ? this.f.i16(p) : def;
  }
  u32(i: number, def = 0): number {
    const p = this.field(i);
    return p ? this.f.u32(p) : def;
  }
  i32(i: number, def = 0): number {
    const p = this.field(i);
    return p ? this.f.i32(p) : def;
  }
  i64(i: number, def = 0): number {
    const p = this.field(i);
    return p ? this.f.i64(p) : def;
  }
  private deref(i: number): number {
    const p = this.field(i);
    return p ? p + this.f.u32(p) : 0;
  }
  string(i: number, max = 4096): string | null {
    const p = this.deref(i);
    if (!p) return null;
    const len = this.f.u32(p);
    const n = Math.min(len, max);
    return new TextDecoder().decode(this.f.bytes(p + 4, n)) + (len > max ? '…' : '');
  }
  table(i: number): FbTable | null {
    const p = this.deref(i);
    return p ? new FbTable(this.f, p) : null;
  }
  vectorLength(i: number): number {
    const p = this.deref(i);
    return p ? this.f.u32(p) : 0;
  }
  /** Absolute position of element `j` of a vector of structs/scalars of `size` bytes. */
  vectorElement(i: number, j: number, size: number): number {
    const p = this.deref(i);
    if (!p || j >= this.f.u32(p)) throw new FormatError('vector index out of range');
    return p + 4 + j * size;
  }
  vectorTable(i: number, j: number): FbTable {
    const e = this.vectorElement(i, j, 4);
    return new FbTable(this.f, e + this.f.u32(e));
  }
  vectorString(i: number, j: number, max = 4096): string {
    const e = this.vectorElement(i, j, 4);
    const p = e + this.f.u32(e);
    const len = this.f.u32(p);
    return new TextDecoder().decode(this.f.bytes(p + 4, Math.min(len, max)));
  }
}

/**
 * Runs `parse` over the windows of `f`; when it needs bytes that are not loaded, reads a window of
 * `chunk` bytes around them and tries again (at most `maxExtraReads` times).
 */
export async function readWithWindows<T>(src: RangeSource, f: FbFile, parse: () => T, opts: { chunk?: number; maxExtraReads?: number } = {}): Promise<T> {
  const chunk = opts.chunk ?? 16 * 1024;
  const max = opts.maxExtraReads ?? 16;
  for (let i = 0; ; i++) {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof NeedBytes)) throw err;
      if (i >= max) throw new FormatError('structure is spread over too much of the file to read cheaply');
      const len = Math.min(src.size - err.offset, Math.max(chunk, err.length));
      if (err.length > 16 * 1024 * 1024) throw new FormatError('structure is larger than the read limit');
      f.add(err.offset, await readExact(src, err.offset, len, 'flatbuffer'));
    }
  }
}
