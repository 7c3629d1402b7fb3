// TensorBoard event files: records `u64 len, u32 masked_crc32c(len), data, u32 masked_crc32c(data)`,
// each an Event {wall_time, step, summary{value{tag, simple_value | tensor, metadata.plugin_data}}}.
// Scalars come from simple_value (PyTorch writers) or rank-0 tensors (TF2, which marks the "scalars"
// plugin only on a tag's first value: hence the per-file tag→plugin map). Big records (images, graphs)
// are jumped over unread. A short or CRC-bad last record is a writer still appending: we stop there.
import { type PbField, pbFields, pbString } from '../formats/protobuf';
import { FormatError } from '../formats/types';
import { maskedCrc32c } from './crc32c';
import { BudgetExhausted, type RunBudget, SeriesSet, baseName, clip, errorText } from './util';

const CHUNK = 1024 * 1024;
/** Records larger than this are not read (images, audio, graphs): we jump over them. */
const SKIP_OVER = 256 * 1024;
/** A length above this is not a record a writer produced. */
const MAX_RECORD = 1024 * 1024 * 1024;

export interface EventsResult {
  series: SeriesSet;
  params: Record<string, string>;
  status: string | null;
  minWallMs: number | null;
  maxWallMs: number | null;
  warnings: string[];
  records: number;
}

export function emptyEventsResult(): EventsResult {
  return { series: new SeriesSet(), params: {}, status: null, minWallMs: null, maxWallMs: null, warnings: [], records: 0 };
}

/** A forward reader over one file of the run with a growing window; a short read means end of file. */
class Sequential {
  private buf = new Uint8Array(0);
  private bufStart = 0;
  eof = false;
  budgetHit = false;
  private readSoFar = 0;

  constructor(
    private readonly b: RunBudget,
    private readonly path: string,
    private readonly cap: number,
  ) {}

  /** Makes [pos, pos+n) available; false when the file (or the cap) ends first. */
  async ensure(pos: number, n: number): Promise<boolean> {
    if (pos >= this.bufStart && pos + n <= this.bufStart + this.buf.length) return true;
    if (this.eof && pos + n > this.bufStart + this.buf.length) return false;
    const keepFrom = pos >= this.bufStart && pos <= this.bufStart + this.buf.length ? pos : -1;
    const kept = keepFrom >= 0 ? this.buf.subarray(keepFrom - this.bufStart) : new Uint8Array(0);
    const readFrom = keepFrom >= 0 ? this.bufStart + this.buf.length : pos;
    const need = pos + n - readFrom;
    const allowed = this.cap - this.readSoFar;
    if (allowed <= 0 || need > allowed) {
      this.budgetHit = true;
      return false;
    }
    const want = Math.min(Math.max(need, CHUNK), allowed, this.b.remaining);
    if (want < need) {
      this.budgetHit = true;
      return false;
    }
    const part = await this.b.read(this.path, readFrom, want);
    this.readSoFar += part.length;
    if (part.length < want) this.eof = true;
    const merged = new Uint8Array(kept.length + part.length);
    merged.set(kept, 0);
    merged.set(part, kept.length);
    this.buf = merged;
    this.bufStart = keepFrom >= 0 ? keepFrom : pos;
    return pos + n <= this.bufStart + this.buf.length;
  }

  bytes(pos: number, n: number): Uint8Array {
    return this.buf.subarray(pos - this.bufStart, pos - this.bufStart + n);
  }

  /** Everything loaded from pos on is zero (an unflushed, preallocated tail). */
  zerosFrom(pos: number): boolean {
    const rest = this.buf.subarray(Math.max(0, pos - this.bufStart));
    return rest.every((x) => x === 0);
  }
}

const STATUS: Record<number, string> = { 1: 'FINISHED', 2: 'FAILED', 3: 'RUNNING' };

function f64(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}
function f32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** The single numeric value of a rank-0 (or one-element) TensorProto, or null. */
export function tensorScalar(bytes: Uint8Array): number | null {
  let dtype = 0;
  let dims = 0;
  let elems = 1;
  const vals: number[] = [];
  let content: Uint8Array | null = null;
  for (const f of pbFields(bytes, 10_000)) {
    if (f.field === 1 && f.wire === 0) dtype = f.num;
    else if (f.field === 2 && f.wire === 2) {
      for (const d of pbFields(f.bytes, 1000)) {
        if (d.field !== 2 || d.wire !== 2) continue;
        dims++;
        for (const x of pbFields(d.bytes, 10)) if (x.field === 1 && x.wire === 0) elems *= x.num;
      }
    } else if (f.field === 4 && f.wire === 2) content = f.bytes;
    else if (vals.length === 0) collectVals(f, vals);
  }
  if (elems !== 1 || dims > 8) return null;
  if (vals.length > 0) return vals[0] as number;
  if (!content) return null;
  const dv = new DataView(content.buffer, content.byteOffset, content.byteLength);
  switch (dtype) {
    case 1: return content.length >= 4 ? dv.getFloat32(0, true) : null;
    case 2: return content.length >= 8 ? dv.getFloat64(0, true) : null;
    case 3: return content.length >= 4 ? dv.getInt32(0, true) : null;
    case 9: return content.length >= 8 ? Number(dv.getBigInt64(0, true)) : null;
    case 19: return content.length >= 2 ? halfToFloat(dv.getUint16(0, true)) : null;
    case 14: return content.length >= 2 ? new DataView(new Uint32Array([dv.getUint16(0, true) << 16]).buffer).getFloat32(0, true) : null;
    case 4: return content.length >= 1 ? dv.getUint8(0) : null;
    case 5: return content.length >= 2 ? dv.getInt16(0, true) : null;
    case 6: return content.length >= 1 ? dv.getInt8(0) : null;
    case 10: return content.length >= 1 ? (dv.getUint8(0) ? 1 : 0) : null;
    default: return null;
  }
}

function collectVals(f: PbField, out: number[]): void {
  // float_val 5, double_val 6, int_val 7, int64_val 10, half_val 13: packed (wire 2) or not.
  if (f.field === 5) {
    if (f.wire === 5) out.push(f32(f.bytes));
    else if (f.wire === 2 && f.bytes.length >= 4) out.push(f32(f.bytes));
  } else if (f.field === 6) {
    if (f.wire === 1) out.push(f64(f.bytes));
    else if (f.wire === 2 && f.bytes.length >= 8) out.push(f64(f.bytes));
  } else if (f.field === 7 || f.field === 10) {
    if (f.wire === 0) out.push(f.num); // negative ints decode as NaN: dropped later
    else if (f.wire === 2) {
      const first = pbFieldsVarint(f.bytes);
      if (first !== null) out.push(first);
    }
  } else if (f.field === 13) {
    if (f.wire === 0) out.push(halfToFloat(f.num));
    else if (f.wire === 2) {
      const first = pbFieldsVarint(f.bytes);
      if (first !== null) out.push(halfToFloat(first));
    }
  }
}

function pbFieldsVarint(bytes: Uint8Array): number | null {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < Math.min(10, bytes.length); i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return Number.isSafeInteger(value) ? value : null;
  }
  return null;
}

/** google.protobuf.Value → a param string. */
function protoValue(bytes: Uint8Array): string {
  for (const f of pbFields(bytes, 1000)) {
    if (f.field === 2 && f.wire === 1) return String(f64(f.bytes));
    if (f.field === 3 && f.wire === 2) return clip(pbString(f.bytes), 8000);
    if (f.field === 4 && f.wire === 0) return f.num ? 'true' : 'false';
    if (f.field === 1) return 'null';
    if (f.field === 5) return '[struct]';
    if (f.field === 6) return '[list]';
  }
  return '';
}

function readHparams(content: Uint8Array, res: EventsResult): void {
  for (const f of pbFields(content, 100_000)) {
    if (f.wire !== 2) continue;
    if (f.field === 3) {
      for (const s of pbFields(f.bytes, 100_000)) {
        if (s.field === 1 && s.wire === 2) {
          let key = '';
          let value = '';
          for (const kv of pbFields(s.bytes, 100)) {
            if (kv.field === 1 && kv.wire === 2) key = clip(pbString(kv.bytes), 500);
            else if (kv.field === 2 && kv.wire === 2) value = protoValue(kv.bytes);
          }
          if (key && Object.keys(res.params).length < 2000) res.params[key] = value;
        } else if (s.field === 5 && s.wire === 1) {
          const ms = f64(s.bytes) * 1000;
          if (Number.isFinite(ms) && ms > 0) res.minWallMs = res.minWallMs === null ? ms : Math.min(res.minWallMs, ms);
        }
      }
    } else if (f.field === 4) {
      for (const s of pbFields(f.bytes, 100)) {
        if (s.field === 1 && s.wire === 0) res.status = STATUS[s.num] ?? res.status;
      }
    }
  }
}

/**
 * A protobuf field walker over one message that allocates nothing per field (the generator
 * pbFields() made an object and a subarray per field: most of the time spent parsing event files).
 * Same checks as pbFields: a malformed message throws.
 */
class PbCursor {
  field = 0;
  wire = 0;
  /** wire 0: the varint (NaN above 2^53). */
  num = 0;
  /** wire 1, 2, 5: where the payload is in the buffer. */
  start = 0;
  end = 0;
  private pos: number;
  private count = 0;

  constructor(
    private readonly buf: Uint8Array,
    from: number,
    private readonly to: number,
    private readonly maxFields: number,
  ) {
    this.pos = from;
  }

  private varint(): number {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.to) throw new FormatError('truncated varint');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return Number.isSafeInteger(value) ? value : Number.NaN;
    }
    throw new FormatError('varint is too long');
  }

  next(): boolean {
    if (this.pos >= this.to) return false;
    if (++this.count > this.maxFields) throw new FormatError('too many protobuf fields');
    const tag = this.varint();
    this.field = Math.floor(tag / 8);
    this.wire = tag % 8;
    if (!Number.isSafeInteger(tag) || this.field === 0) throw new FormatError('invalid protobuf tag');
    switch (this.wire) {
      case 0:
        this.num = this.varint();
        return true;
      case 1:
      case 5: {
        const n = this.wire === 1 ? 8 : 4;
        if (this.pos + n > this.to) throw new FormatError(`truncated fixed${n * 8}`);
        this.start = this.pos;
        this.end = this.pos += n;
        return true;
      }
      case 2: {
        const len = this.varint();
        if (!Number.isSafeInteger(len) || this.pos + len > this.to) throw new FormatError('length-delimited field runs past its message');
        this.start = this.pos;
        this.end = this.pos += len;
        return true;
      }
      default:
        throw new FormatError(`unsupported protobuf wire type ${this.wire}`);
    }
  }
}

/** Tag and plugin names: almost always short ASCII, decoded without TextDecoder. */
function shortString(buf: Uint8Array, start: number, end: number, max: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return clip(pbString(buf.subarray(start, end)), max);
      s += String.fromCharCode(c);
    }
    return clip(s, max);
  }
  return clip(pbString(buf.subarray(start, end)), max);
}

function readEvent(data: Uint8Array, plugins: Map<string, string>, res: EventsResult): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let wall: number | null = null;
  let step = 0;
  let summaryStart = -1;
  let summaryEnd = -1;
  const ev = new PbCursor(data, 0, data.length, 100_000);
  while (ev.next()) {
    if (ev.field === 1 && ev.wire === 1) wall = dv.getFloat64(ev.start, true) * 1000;
    else if (ev.field === 2 && ev.wire === 0) step = Number.isFinite(ev.num) ? ev.num : 0;
    else if (ev.field === 5 && ev.wire === 2) {
      summaryStart = ev.start;
      summaryEnd = ev.end;
    }
  }
  if (wall !== null && Number.isFinite(wall) && wall > 0) {
    res.minWallMs = res.minWallMs === null ? wall : Math.min(res.minWallMs, wall);
    res.maxWallMs = res.maxWallMs === null ? wall : Math.max(res.maxWallMs, wall);
  }
  if (summaryStart < 0) return;
  const sum = new PbCursor(data, summaryStart, summaryEnd, 100_000);
  while (sum.next()) {
    if (sum.field !== 1 || sum.wire !== 2) continue;
    let tag = '';
    let simple: number | null = null;
    let tensor: Uint8Array | null = null;
    let plugin: string | null = null;
    let content: Uint8Array | null = null;
    const v = new PbCursor(data, sum.start, sum.end, 10_000);
    while (v.next()) {
      if (v.field === 1 && v.wire === 2) tag = shortString(data, v.start, v.end, 500);
      else if (v.field === 2 && v.wire === 5) simple = dv.getFloat32(v.start, true);
      else if (v.field === 8 && v.wire === 2) tensor = data.subarray(v.start, v.end);
      else if (v.field === 9 && v.wire === 2) {
        const m = new PbCursor(data, v.start, v.end, 1000);
        while (m.next()) {
          if (m.field !== 1 || m.wire !== 2) continue;
          const p = new PbCursor(data, m.start, m.end, 1000);
          while (p.next()) {
            if (p.field === 1 && p.wire === 2) plugin = shortString(data, p.start, p.end, 200);
            else if (p.field === 2 && p.wire === 2) content = data.subarray(p.start, p.end);
          }
        }
      }
    }
    if (!tag) continue;
    if (plugin) plugins.set(tag, plugin);
    const known = plugins.get(tag);
    if (known === 'hparams') {
      if (content) readHparams(content, res);
      continue;
    }
    if (simple !== null) {
      res.series.add(tag, step, wall, simple);
      continue;
    }
    // Rank-0 tensors count as scalars when the tag is marked "scalars", or carries no plugin at all.
    if (tensor && (known === 'scalars' || known === undefined)) {
      const x = tensorScalar(tensor);
      if (x !== null) res.series.add(tag, step, wall, x);
    }
  }
}

/** Reads the event files of one run folder within the budget (shared fairly between files). */
export async function readEventFiles(b: RunBudget, files: string[], res: EventsResult): Promise<void> {
  const sorted = [...files].sort();
  for (let i = 0; i < sorted.length; i++) {
    const path = sorted[i] as string;
    const cap = Math.floor(b.remaining / (sorted.length - i));
    try {
      await readOneFile(b, path, cap, res);
    } catch (err) {
      if (b.isSourceError(err)) throw err;
      if (err instanceof BudgetExhausted) {
        res.warnings.push(`${baseName(path)}: not read to the end (read limit reached)`);
        continue;
      }
      res.warnings.push(`${baseName(path)}: ${errorText(err)}`);
    }
  }
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

async function readOneFile(b: RunBudget, path: string, cap: number, res: EventsResult): Promise<void> {
  const s = new Sequential(b, path, cap);
  const plugins = new Map<string, string>();
  const name = baseName(path);
  let pos = 0;
  let malformed = 0;
  for (;;) {
    if (!(await s.ensure(pos, 12))) {
      if (s.budgetHit && !s.eof) res.warnings.push(`${name}: only the first ${pos} bytes were read (read limit)`);
      break; // end of file, or a header still being written
    }
    const head = s.bytes(pos, 12);
    // Read by hand: a DataView and a BigInt per record were a visible share of the parse.
    const lenLo = u32le(head, 0);
    const lenHi = u32le(head, 4);
    if (maskedCrc32c(head, 0, 8) !== u32le(head, 8)) {
      if (!s.zerosFrom(pos)) res.warnings.push(`${name}: corrupt record header at byte ${pos}; the rest of the file was not read`);
      break;
    }
    if (lenHi !== 0 || lenLo > MAX_RECORD) {
      const declared = (BigInt(lenHi) << 32n) | BigInt(lenLo);
      res.warnings.push(`${name}: record at byte ${pos} declares ${declared} bytes; the rest of the file was not read`);
      break;
    }
    const len = lenLo;
    if (len > SKIP_OVER) {
      pos += 12 + len + 4;
      continue;
    }
    if (!(await s.ensure(pos, 12 + len + 4))) {
      if (s.budgetHit && !s.eof) res.warnings.push(`${name}: only the first ${pos} bytes were read (read limit)`);
      break; // the last record is still being written
    }
    const rec = s.bytes(pos, 12 + len + 4);
    const crc = u32le(rec, 12 + len);
    if (maskedCrc32c(rec, 12, 12 + len) !== crc) {
      const more = await s.ensure(pos + 12 + len + 4, 1);
      if (more) res.warnings.push(`${name}: record at byte ${pos} fails its checksum; the rest of the file was not read`);
      break;
    }
    try {
      readEvent(rec.subarray(12, 12 + len), plugins, res);
      res.records++;
    } catch {
      malformed++;
    }
    pos += 12 + len + 4;
  }
  if (malformed > 0) res.warnings.push(`${name}: ${malformed} malformed event${malformed === 1 ? '' : 's'} skipped`);
}
