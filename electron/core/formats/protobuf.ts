// A minimal protobuf wire-format walker: synchronous over a buffer, asynchronous over a
// SourceCursor (so large length-delimited fields can be jumped over without being read).
import type { SourceCursor } from './bytes';
import { FormatError } from './types';

export interface PbField {
  field: number;
  wire: number;
  /** varint / fixed values (NaN when a 64-bit value is not a safe integer) */
  num: number;
  /** length-delimited payload; for fixed64/fixed32 the 8/4 raw little-endian bytes (doubles, floats) */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Decodes a varint from `buf` at `pos`; returns [value, nextPos]. Values above 2^53 become NaN. */
export function decodeVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new FormatError('truncated varint');
    const b = buf[pos++] as number;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return [Number.isSafeInteger(value) ? value : Number.NaN, pos];
  }
  throw new FormatError('varint is too long');
}

/** Iterates the fields of a message held in memory. Throws on malformed input. */
export function* pbFields(buf: Uint8Array, maxFields = 1_000_000): Generator<PbField> {
  let pos = 0;
  let count = 0;
  while (pos < buf.length) {
    if (++count > maxFields) throw new FormatError('too many protobuf fields');
    const [tag, p1] = decodeVarint(buf, pos);
    pos = p1;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (!Number.isSafeInteger(tag) || field === 0) throw new FormatError('invalid protobuf tag');
    switch (wire) {
      case 0: {
        const [v, p2] = decodeVarint(buf, pos);
        pos = p2;
        yield { field, wire, num: v, bytes: EMPTY };
        break;
      }
      case 1: {
        if (pos + 8 > buf.length) throw new FormatError('truncated fixed64');
        const dv = new DataView(buf.buffer, buf.byteOffset + pos, 8);
        const v = dv.getBigUint64(0, true);
        pos += 8;
        yield { field, wire, num: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN, bytes: buf.subarray(pos - 8, pos) };
        break;
      }
      case 2: {
        const [len, p2] = decodeVarint(buf, pos);
        if (!Number.isSafeInteger(len) || p2 + len > buf.length) throw new FormatError('length-delimited field runs past its message');
        pos = p2 + len;
        yield { field, wire, num: len, bytes: buf.subarray(p2, p2 + len) };
        break;
      }
      case 5: {
        if (pos + 4 > buf.length) throw new FormatError('truncated fixed32');
        const v = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
        pos += 4;
        yield { field, wire, num: v, bytes: buf.subarray(pos - 4, pos) };
        break;
      }
      default:
        throw new FormatError(`unsupported protobuf wire type ${wire}`);
    }
  }
}

/** Packed or repeated varints of one field, collected by the caller: decode a packed payload. */
export function decodePackedVarints(bytes: Uint8Array, max = 64): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < bytes.length && out.length < max) {
    const [v, p] = decodeVarint(bytes, pos);
    out.push(v);
    pos = p;
  }
  return out;
}

/** Reads a varint at the cursor (async; refills the window when needed). */
export async function cursorVarint(c: SourceCursor): Promise<number> {
  const n = Math.min(10, c.remaining());
  if (n <= 0) throw new FormatError('truncated varint');
  if (!c.has(n)) await c.fill(n, 'varint');
  const buf = c.bytes(n);
  const [v, used] = decodeVarint(buf, 0);
  c.pos -= n - used;
  return v;
}

export interface PbFieldHeader {
  field: number;
  wire: number;
  /** varint value, or the length of a length-delimited field (payload not yet read) */
  num: number;
}

/** Reads a field header at the cursor; for wire 0 also the value, for wire 2 the length. */
export async function cursorField(c: SourceCursor): Promise<PbFieldHeader> {
  const tag = await cursorVarint(c);
  const field = Math.floor(tag / 8);
  const wire = tag % 8;
  if (!Number.isSafeInteger(tag) || field === 0) throw new FormatError('invalid protobuf tag');
  switch (wire) {
    case 0:
      return { field, wire, num: await cursorVarint(c) };
    case 1:
      c.skip(8, 'fixed64');
      return { field, wire, num: 0 };
    case 5:
      c.skip(4, 'fixed32');
      return { field, wire, num: 0 };
    case 2: {
      const len = await cursorVarint(c);
      if (!Number.isSafeInteger(len) || len > c.remaining()) throw new FormatError('length-delimited field runs past the end of the file');
      return { field, wire, num: len };
    }
    default:
      throw new FormatError(`unsupported protobuf wire type ${wire}`);
  }
}

const dec = new TextDecoder('utf-8');
export function pbString(bytes: Uint8Array): string {
  return dec.decode(bytes);
}
