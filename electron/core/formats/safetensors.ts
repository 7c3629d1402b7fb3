// safetensors: u64 LE header length N, N bytes of JSON, then the tensor data. Bounded parser: the
// head read is at most 64 KiB plus the declared header; nothing of the data region is read.
import { addTo, clip, decodeUtf8, product, pushWarning, readExact, view } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

export const SAFETENSORS_MAX_HEADER = 100_000_000;
const HEAD_READ = 64 * 1024;

/** Bits per element; sub-byte types (F4, F6) are packed. */
export const SAFETENSORS_DTYPE_BITS: Record<string, number> = {
  BOOL: 8, U8: 8, I8: 8, F8_E4M3: 8, F8_E5M2: 8, F8_E8M0: 8, F8_E4M3FNUZ: 8, F8_E5M2FNUZ: 8,
  U16: 16, I16: 16, F16: 16, BF16: 16,
  U32: 32, I32: 32, F32: 32,
  U64: 64, I64: 64, F64: 64, C64: 64,
  F6_E2M3: 6, F6_E3M2: 6, F4: 4,
};

const AUX_SUFFIXES = ['.qzeros', '.g_idx', '.scales', '.absmax', '.quant_map', '_scales', '.qweight_scale', '.weight_scale', '.input_scale'];

export async function readSafetensors(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  if (src.size < 8) throw new FormatError('file is too small to be safetensors');
  const head = await readExact(src, 0, Math.min(src.size, HEAD_READ), 'header');
  const nBig = view(head).getBigUint64(0, true);
  if (nBig > BigInt(SAFETENSORS_MAX_HEADER)) throw new FormatError('declared header length is larger than 100 MB: not a safetensors file');
  const n = Number(nBig);
  if (n < 2) throw new FormatError('declared header length is too small');
  if (8 + n > src.size) throw new FormatError('file is truncated: header runs past the end of the file');
  let headerBytes: Uint8Array;
  if (8 + n <= head.length) headerBytes = head.subarray(8, 8 + n);
  else {
    // read only the part of the header the head read did not cover
    headerBytes = new Uint8Array(n);
    headerBytes.set(head.subarray(8));
    headerBytes.set(await readExact(src, head.length, 8 + n - head.length, 'header'), head.length - 8);
  }
  if (headerBytes[0] !== 0x7b) throw new FormatError('header does not start with "{": not a safetensors file');

  let header: unknown;
  try {
    header = JSON.parse(decodeUtf8(headerBytes, true));
  } catch {
    throw new FormatError('header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new FormatError('header is not a JSON object');
  }

  const dataStart = 8 + n;
  const dataSize = src.size - dataStart;
  const dtypes: Record<string, number> = {};
  let parameters = 0;
  let auxParameters = 0;
  let tensors = 0;
  let invalid = 0;
  let maxEnd = 0;
  let meta: Record<string, string> | undefined;

  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      meta = readMetadataMap(raw, warnings);
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const problem = checkTensor(t, dataSize);
    if (typeof problem === 'string') {
      invalid++;
      pushWarning(warnings, `tensor "${clip(name, 100)}": ${problem}`);
      continue;
    }
    tensors++;
    maxEnd = Math.max(maxEnd, problem.end);
    const dtype = (t as { dtype: string }).dtype;
    addTo(dtypes, dtype, problem.numel);
    if (dtype === 'F8_E8M0' || AUX_SUFFIXES.some((s) => name.endsWith(s))) auxParameters += problem.numel;
    parameters += problem.numel;
  }
  if (maxEnd < dataSize) pushWarning(warnings, `${dataSize - maxEnd} bytes after the last tensor are not described by the header`);

  const metadata: Record<string, unknown> = {
    headerBytes: n,
    tensors,
    parameters,
    dtypes,
  };
  if (auxParameters > 0) metadata.quantAuxParameters = auxParameters;
  if (invalid > 0) metadata.invalidTensors = invalid;
  if (meta) metadata.metadata = meta;
  return { format: 'safetensors', kind: 'model', metadata, warnings };
}

function checkTensor(t: { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null, dataSize: number): string | { numel: number; end: number } {
  if (typeof t !== 'object' || t === null) return 'entry is not an object';
  if (typeof t.dtype !== 'string' || !(t.dtype in SAFETENSORS_DTYPE_BITS)) return `unknown dtype ${clip(String(t.dtype), 20)}`;
  if (!Array.isArray(t.shape) || t.shape.length > 64) return 'invalid shape';
  const numel = product(t.shape as number[]);
  if (numel === null) return 'invalid shape';
  const off = t.data_offsets;
  if (!Array.isArray(off) || off.length !== 2) return 'invalid data_offsets';
  const [begin, end] = off as unknown[];
  if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) < (begin as number)) {
    return 'invalid data_offsets';
  }
  const bits = SAFETENSORS_DTYPE_BITS[t.dtype] as number;
  const expected = Math.ceil((numel * bits) / 8);
  if ((end as number) - (begin as number) !== expected) return `data length ${(end as number) - (begin as number)} does not match shape × dtype (${expected})`;
  if ((end as number) > dataSize) return 'data runs past the end of the file';
  return { numel, end: end as number };
}

function readMetadataMap(raw: unknown, warnings: string[]): Record<string, string> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    pushWarning(warnings, '__metadata__ is not a string map');
    return undefined;
  }
  const out: Record<string, string> = {};
  let count = 0;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (count++ >= 50) {
      pushWarning(warnings, '__metadata__ has more than 50 entries; the rest are omitted');
      break;
    }
    out[clip(k, 200)] = clip(typeof v === 'string' ? v : JSON.stringify(v) ?? '', 2000);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// *.safetensors.index.json: {"metadata":{"total_size":…},"weight_map":{tensor: shard}}.
// Small indexes are parsed; big ones (up to ~60 MB) are scanned in chunks for total_size and the
// distinct shard names, within the byte budget.

const INDEX_PARSE_LIMIT = 2 * 1024 * 1024;
const INDEX_CHUNK = 1024 * 1024;
const INDEX_SCAN_LIMIT = 64 * 1024 * 1024;

export async function readSafetensorsIndex(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  if (src.size <= INDEX_PARSE_LIMIT) {
    const bytes = await readExact(src, 0, src.size, 'index');
    let doc: unknown;
    try {
      doc = JSON.parse(decodeUtf8(bytes));
    } catch {
      throw new FormatError('index is not valid JSON');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new FormatError('index is not a JSON object');
    const d = doc as { metadata?: { total_size?: unknown }; weight_map?: unknown };
    const totalSize = Number(d.metadata?.total_size);
    const shards = new Set<string>();
    let tensors = 0;
    if (typeof d.weight_map === 'object' && d.weight_map !== null) {
      for (const v of Object.values(d.weight_map as Record<string, unknown>)) {
        tensors++;
        if (typeof v === 'string' && shards.size < 10_000) shards.add(v);
      }
    } else {
      pushWarning(warnings, 'index has no weight_map');
    }
    return indexInfo(Number.isFinite(totalSize) ? totalSize : undefined, shards, tensors, warnings);
  }

  // Streaming scan of a large index.
  const shards = new Set<string>();
  let totalSize: number | undefined;
  let tensors = 0;
  let carry = '';
  let offset = 0;
  const limit = Math.min(src.size, INDEX_SCAN_LIMIT);
  const decoder = new TextDecoder('utf-8');
  try {
    while (offset < limit) {
      const len = Math.min(INDEX_CHUNK, limit - offset);
      const chunk = await readExact(src, offset, len, 'index');
      offset += len;
      const text = carry + decoder.decode(chunk, { stream: offset < limit });
      if (totalSize === undefined) {
        const m = /"total_size"\s*:\s*(\d{1,20})/.exec(text);
        if (m) totalSize = Number(m[1]);
      }
      // "tensor.name": "model-00001-of-00002.safetensors"
      const re = /"[^"\\]{0,1024}"\s*:\s*"([^"\\]{1,1024})"/g;
      let lastEnd = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        lastEnd = re.lastIndex;
        const v = m[1] as string;
        if (!v.endsWith('.safetensors')) continue;
        tensors++;
        if (shards.size < 10_000) shards.add(v);
      }
      carry = text.slice(Math.max(lastEnd, text.length - 4096));
    }
  } catch (err) {
    pushWarning(warnings, `index read stopped early: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (offset < src.size) pushWarning(warnings, 'index is larger than the scan limit; shard list may be incomplete');
  return indexInfo(totalSize, shards, tensors, warnings);
}

function indexInfo(totalSize: number | undefined, shards: Set<string>, tensors: number, warnings: string[]): FormatInfo {
  const list = [...shards].sort();
  const metadata: Record<string, unknown> = { tensors, shardCount: list.length, shards: list.slice(0, 1000) };
  if (totalSize !== undefined) metadata.totalSize = totalSize;
  return { format: 'safetensors-index', kind: 'model', metadata, warnings };
}
