// Apache Arrow IPC and Feather. File format: `ARROW1\0\0 … footer(flatbuffer) i32 len ARROW1`, the
// footer holds the schema and the record batch blocks (rows = Σ RecordBatch.length: one small read per
// batch, the first 64, the rest estimated). Stream format (Hugging Face datasets' .arrow files):
// messages `FFFFFFFF len Message body`, walked by jumping over bodies. Feather v1: `FEA1 … CTable len FEA1`.
import { SourceCursor, clip, readExact, view } from './bytes';
import { FbFile, type FbTable, NeedBytes } from './flatbuffers';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const TAIL = 64 * 1024;
const MAX_METADATA = 16 * 1024 * 1024;
const MAX_BATCH_READS = 64;
const MAX_STREAM_MESSAGES = 256;

const TYPE_NAMES = [
  'none', 'null', 'int', 'float', 'binary', 'string', 'bool', 'decimal', 'date', 'time', 'timestamp', 'interval',
  'list', 'struct', 'union', 'fixed_size_binary', 'fixed_size_list', 'map', 'duration', 'large_binary',
  'large_string', 'large_list', 'run_end_encoded', 'binary_view', 'string_view', 'list_view', 'large_list_view',
];

function typeName(field: FbTable): string {
  const t = field.u8(2);
  const base = TYPE_NAMES[t] ?? `type${t}`;
  const detail = field.table(3);
  if (!detail) return base;
  if (t === 2) return `${detail.u8(1) ? 'int' : 'uint'}${detail.i32(0)}`;
  if (t === 3) return ['float16', 'float32', 'float64'][detail.i16(0)] ?? 'float';
  return base;
}

function schemaOf(schema: FbTable | null, out: Record<string, unknown>): void {
  if (!schema) return;
  const n = schema.vectorLength(1);
  const fields: { name: string; type: string }[] = [];
  for (let i = 0; i < Math.min(n, 200); i++) {
    const f = schema.vectorTable(1, i);
    fields.push({ name: clip(f.string(0, 500) ?? '', 200), type: typeName(f) });
  }
  out.columns = n;
  out.schema = fields;
  const kv = schema.vectorLength(2);
  const keys: string[] = [];
  for (let i = 0; i < Math.min(kv, 50); i++) keys.push(clip(schema.vectorTable(2, i).string(0, 200) ?? '', 200));
  if (keys.length) out.metadataKeys = keys;
  if (keys.includes('huggingface')) out.huggingface = true;
}

/** Parses one encapsulated message's flatbuffer (bytes start at the Message root offset). */
function message(bytes: Uint8Array): { type: number; header: FbTable | null; bodyLength: number } {
  const f = new FbFile(bytes.length);
  f.add(0, bytes);
  const m = f.root(0);
  return { type: m.u8(1), header: m.table(2), bodyLength: m.i64(3) };
}

export async function readArrow(src: RangeSource): Promise<FormatInfo> {
  try {
    return await dispatch(src);
  } catch (err) {
    // Every structure is read whole before parsing: an offset leaving it is corruption.
    if (err instanceof NeedBytes) throw new FormatError('a structure points outside the part of the file that holds it');
    throw err;
  }
}

async function dispatch(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 8) throw new FormatError('file is too small to be Arrow/Feather');
  const head = await readExact(src, 0, Math.min(src.size, 8), 'header');
  const magic = String.fromCharCode(...head.subarray(0, 6));
  if (magic === 'ARROW1') return readArrowFile(src);
  if (magic.startsWith('FEA1')) return readFeatherV1(src);
  const dv = view(head);
  if (dv.getUint32(0, true) === 0xffffffff || (dv.getInt32(0, true) > 0 && dv.getInt32(0, true) < MAX_METADATA)) return readArrowStream(src);
  throw new FormatError('no Arrow or Feather magic: not an Arrow file');
}

async function readArrowFile(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  const tailLen = Math.min(src.size, TAIL);
  const tail = await readExact(src, src.size - tailLen, tailLen, 'footer');
  if (src.size < 18 || String.fromCharCode(...tail.subarray(tail.length - 6)) !== 'ARROW1') throw new FormatError('missing ARROW1 footer magic (truncated, or still being written)');
  const footerLen = view(tail).getInt32(tail.length - 10, true);
  const footerStart = src.size - 10 - footerLen;
  if (footerLen <= 0 || footerLen > MAX_METADATA || footerStart < 8) throw new FormatError('invalid footer length');
  const f = new FbFile(src.size);
  if (footerStart >= src.size - tailLen) f.add(src.size - tailLen, tail);
  else f.add(footerStart, await readExact(src, footerStart, footerLen, 'footer'));
  const footer = f.root(footerStart);
  const out: Record<string, unknown> = { container: 'file' };
  schemaOf(footer.table(1), out);
  const batches = footer.vectorLength(3);
  out.recordBatches = batches;
  let rows = 0;
  const reads = Math.min(batches, MAX_BATCH_READS);
  for (let i = 0; i < reads; i++) {
    const b = footer.vectorElement(3, i, 24);
    const offset = f.i64(b);
    const metaLen = f.i32(b + 8);
    if (offset < 8 || metaLen < 8 || metaLen > MAX_METADATA || offset + metaLen > src.size) throw new FormatError('record batch block points outside the file');
    const bytes = await readExact(src, offset, metaLen, 'record batch');
    const skip = view(bytes).getUint32(0, true) === 0xffffffff ? 8 : 4;
    const msg = message(bytes.subarray(skip));
    if (msg.type !== 3 || !msg.header) throw new FormatError('record batch block does not hold a record batch');
    rows += msg.header.i64(0);
  }
  if (batches > reads) {
    out.rows = Math.round((rows / reads) * batches);
    out.rowsEstimated = true;
    warnings.push(`row count estimated from the first ${reads} of ${batches} record batches`);
  } else out.rows = rows;
  return { format: 'arrow', kind: 'dataset', metadata: out, warnings };
}

async function readArrowStream(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  const c = new SourceCursor(src, 0, Math.min(src.size, 64 * 1024), 4096);
  const out: Record<string, unknown> = { container: 'stream' };
  let rows = 0;
  let batches = 0;
  let firstBatchPos = -1;
  let messages = 0;
  let complete = false;
  while (c.remaining() >= 4) {
    if (messages >= MAX_STREAM_MESSAGES) break;
    const first = await c.readU32('message');
    let len = first;
    if (first === 0xffffffff) {
      if (c.remaining() < 4) break;
      len = await c.readU32('message length');
    }
    if (len === 0) {
      complete = true;
      break;
    }
    if (len > MAX_METADATA || len > c.remaining()) {
      if (messages === 0) throw new FormatError('invalid first message length: not an Arrow stream');
      warnings.push('the stream ends inside a message (truncated or still being written)');
      break;
    }
    const msgStart = c.pos - (first === 0xffffffff ? 8 : 4);
    const msg = message(await c.readBytes(len, 'message'));
    messages++;
    if (messages === 1) {
      if (msg.type !== 1) throw new FormatError('stream does not start with a schema');
      schemaOf(msg.header, out);
    }
    if (msg.bodyLength < 0 || msg.bodyLength > c.remaining()) {
      warnings.push('the stream ends inside a record batch (truncated or still being written)');
      break;
    }
    if (msg.type === 3 && msg.header) {
      if (firstBatchPos < 0) firstBatchPos = msgStart;
      batches++;
      rows += msg.header.i64(0);
    }
    c.skip(msg.bodyLength, 'body');
    if (c.remaining() === 0) complete = true;
  }
  out.recordBatches = batches;
  if (!complete && messages >= MAX_STREAM_MESSAGES && firstBatchPos >= 0 && c.pos > firstBatchPos) {
    out.rows = Math.round(rows * ((src.size - firstBatchPos) / (c.pos - firstBatchPos)));
    out.rowsEstimated = true;
    warnings.push(`row count estimated from the first ${batches} record batches`);
  } else out.rows = rows;
  return { format: 'arrow', kind: 'dataset', metadata: out, warnings };
}

async function readFeatherV1(src: RangeSource): Promise<FormatInfo> {
  const tailLen = Math.min(src.size, TAIL);
  const tail = await readExact(src, src.size - tailLen, tailLen, 'footer');
  if (String.fromCharCode(...tail.subarray(tail.length - 4)) !== 'FEA1') throw new FormatError('missing FEA1 footer magic (truncated)');
  const metaLen = view(tail).getUint32(tail.length - 8, true);
  const start = src.size - 8 - metaLen;
  if (metaLen === 0 || metaLen > MAX_METADATA || start < 4) throw new FormatError('invalid Feather metadata length');
  const f = new FbFile(src.size);
  if (start >= src.size - tailLen) f.add(src.size - tailLen, tail);
  else f.add(start, await readExact(src, start, metaLen, 'metadata'));
  const t = f.root(start);
  const n = t.vectorLength(2);
  const names: { name: string }[] = [];
  for (let i = 0; i < Math.min(n, 200); i++) names.push({ name: clip(t.vectorTable(2, i).string(0, 500) ?? '', 200) });
  const out: Record<string, unknown> = { container: 'feather-v1', rows: t.i64(1), columns: n, schema: names };
  const description = t.string(0, 500);
  if (description) out.description = description;
  return { format: 'arrow', kind: 'dataset', metadata: out, warnings: [] };
}
