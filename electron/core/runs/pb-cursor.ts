// A protobuf field cursor for the hot loop of the TensorBoard reader: the same wire rules and
// errors as formats/protobuf's pbFields, but no generator and no object per field (event files hold
// millions of small records; pbFields' allocations were most of their parse time). Rare messages
// (tensors, hparams) still go through pbFields.
import { FormatError } from '../formats/types';

export class PbCursor {
  field = 0;
  wire = 0;
  /** wire 0: the varint (NaN above 2^53); wire 2: the length. */
  num = 0;
  /** Where the field's bytes start (wire 1, 2, 5). */
  start = 0;
  private pos: number;
  private count = 0;

  constructor(
    readonly buf: Uint8Array,
    from = 0,
    private readonly end = buf.length,
    private readonly maxFields = 1_000_000,
  ) {
    this.pos = from;
  }

  /** Advances to the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    if (++this.count > this.maxFields) throw new FormatError('too many protobuf fields');
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (!Number.isSafeInteger(tag) || field === 0) throw new FormatError('invalid protobuf tag');
    this.field = field;
    this.wire = tag % 8;
    switch (this.wire) {
      case 0:
        this.num = this.varint();
        this.start = this.pos;
        return true;
      case 1:
        return this.fixed(8, 'fixed64');
      case 2: {
        const len = this.varint();
        if (!Number.isSafeInteger(len) || this.pos + len > this.end) throw new FormatError('length-delimited field runs past its message');
        this.num = len;
        this.start = this.pos;
        this.pos += len;
        return true;
      }
      case 5:
        return this.fixed(4, 'fixed32');
      default:
        throw new FormatError(`unsupported protobuf wire type ${this.wire}`);
    }
  }

  private fixed(bytes: number, what: string): true {
    if (this.pos + bytes > this.end) throw new FormatError(`truncated ${what}`);
    this.start = this.pos;
    this.pos += bytes;
    return true;
  }

  /** A cursor over the current length-delimited field's message. */
  sub(maxFields?: number): PbCursor {
    return new PbCursor(this.buf, this.start, this.start + this.num, maxFields);
  }

  bytes(): Uint8Array {
    const n = this.wire === 2 ? this.num : this.wire === 1 ? 8 : this.wire === 5 ? 4 : 0;
    return this.buf.subarray(this.start, this.start + n);
  }

  f64(): number {
    return readF64(this.buf, this.start);
  }

  f32(): number {
    return readF32(this.buf, this.start);
  }

  private varint(): number {
    const b = this.buf;
    // One byte is the common case (field tags, small steps).
    const first = b[this.pos];
    if (first !== undefined && first < 0x80 && this.pos < this.end) {
      this.pos++;
      return first;
    }
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new FormatError('truncated varint');
      const c = b[this.pos++] as number;
      value += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) return Number.isSafeInteger(value) ? value : Number.NaN;
      mul *= 128;
    }
    throw new FormatError('varint is too long');
  }
}

// Little-endian floats without a DataView per value: copy into a shared scratch buffer.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchF32 = new Float32Array(scratch, 0, 1);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readF64(b: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratchBytes[LE ? i : 7 - i] = b[at + i] as number;
  return scratchF64[0] as number;
}

function readF32(b: Uint8Array, at: number): number {
  for (let i = 0; i < 4; i++) scratchBytes[LE ? i : 3 - i] = b[at + i] as number;
  return scratchF32[0] as number;
}
