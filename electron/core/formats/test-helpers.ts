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

// ---- a forward-laid-out FlatBuffer builder for tests (vtable before its table, children after) ----

export type FbField =
  | undefined
  | { t: 'u8' | 'i16' | 'u16' | 'u32' | 'i32' | 'i64'; v: number }
  | { t: 'str'; v: string }
  | { t: 'table'; v: FbField[] }
  | { t: 'vec-table'; v: FbField[][] }
  | { t: 'vec-str'; v: string[] }
  | { t: 'vec-u8'; v: Uint8Array }
  | { t: 'vec-i32'; v: number[] }
  /** a vector of structs given as raw bytes: `count` elements */
  | { t: 'vec-struct'; count: number; bytes: Uint8Array };

const SCALAR_SIZE = { u8: 1, i16: 2, u16: 2, u32: 4, i32: 4, i64: 8 } as const;

class FbOut {
  bytes: number[] = [];
  get pos(): number {
    return this.bytes.length;
  }
  pad(align: number): void {
    while (this.bytes.length % align) this.bytes.push(0);
  }
  put(b: Uint8Array | number[]): number {
    const at = this.bytes.length;
    for (const x of b) this.bytes.push(x);
    return at;
  }
  set32(at: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    for (let i = 0; i < 4; i++) this.bytes[at + i] = b[i] as number;
  }
  num(t: keyof typeof SCALAR_SIZE, v: number): Uint8Array {
    const b = new Uint8Array(SCALAR_SIZE[t]);
    const dv = new DataView(b.buffer);
    if (t === 'u8') dv.setUint8(0, v);
    else if (t === 'i16') dv.setInt16(0, v, true);
    else if (t === 'u16') dv.setUint16(0, v, true);
    else if (t === 'u32') dv.setUint32(0, v, true);
    else if (t === 'i32') dv.setInt32(0, v, true);
    else dv.setBigInt64(0, BigInt(v), true);
    return b;
  }
}

function fbTable(o: FbOut, fields: FbField[]): number {
  o.pad(4);
  // table: soffset, then each present field in order (unaligned is fine for our reader)
  const offsets = new Array<number>(fields.length).fill(0);
  let off = 4;
  fields.forEach((f, i) => {
    if (!f) return;
    offsets[i] = off;
    off += f.t in SCALAR_SIZE ? SCALAR_SIZE[f.t as keyof typeof SCALAR_SIZE] : 4;
  });
  const vt = [4 + 2 * fields.length, off];
  const vtBytes: number[] = [];
  for (const x of [...vt, ...offsets]) vtBytes.push(x & 0xff, (x >> 8) & 0xff);
  const vtPos = o.put(vtBytes);
  o.pad(4);
  const tablePos = o.pos;
  o.put(o.num('i32', tablePos - vtPos));
  const refs: { at: number; f: FbField }[] = [];
  fields.forEach((f) => {
    if (!f) return;
    if (f.t in SCALAR_SIZE) o.put(o.num(f.t as keyof typeof SCALAR_SIZE, (f as { v: number }).v));
    else refs.push({ at: o.put([0, 0, 0, 0]), f });
  });
  for (const r of refs) o.set32(r.at, fbChild(o, r.f) - r.at);
  return tablePos;
}

function fbChild(o: FbOut, f: FbField): number {
  if (!f) throw new Error('absent');
  const enc = new TextEncoder();
  o.pad(4);
  switch (f.t) {
    case 'str': {
      const b = enc.encode(f.v);
      const at = o.put(o.num('u32', b.length));
      o.put(b);
      o.put([0]);
      return at;
    }
    case 'vec-u8': {
      const at = o.put(o.num('u32', f.v.length));
      o.put(f.v);
      return at;
    }
    case 'vec-i32': {
      const at = o.put(o.num('u32', f.v.length));
      for (const x of f.v) o.put(o.num('i32', x));
      return at;
    }
    case 'vec-struct': {
      const at = o.put(o.num('u32', f.count));
      o.put(f.bytes);
      return at;
    }
    case 'vec-str':
    case 'vec-table': {
      const at = o.put(o.num('u32', f.v.length));
      const slots = f.v.map(() => o.put([0, 0, 0, 0]));
      f.v.forEach((item, j) => {
        const target = f.t === 'vec-str' ? fbChild(o, { t: 'str', v: item as string }) : fbTable(o, item as FbField[]);
        o.set32(slots[j] as number, target - (slots[j] as number));
      });
      return at;
    }
    case 'table':
      return fbTable(o, f.v);
    default:
      throw new Error(`not a child: ${f.t}`);
  }
}

/** A FlatBuffer with `root` as root table; optional 4-byte file identifier (e.g. "TFL3"). */
export function fbBuild(root: FbField[], identifier?: string, prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
  const o = new FbOut();
  o.put(prefix);
  const rootSlot = o.put([0, 0, 0, 0]);
  if (identifier) o.put(new TextEncoder().encode(identifier));
  const t = fbTable(o, root);
  o.set32(rootSlot, t - rootSlot);
  return Uint8Array.from(o.bytes);
}
