// GGUF (v1–v3). Hand-written bounded parser over a SourceCursor (rather than @huggingface/gguf with
// a fetch adapter): one 1 MiB head read usually covers the whole header; fixed-width arrays are
// skipped in one jump; string arrays (tokenizer vocabularies) are walked without being kept.
import { SourceCursor, addTo, clip, decodeUtf8, product, pushWarning, u64ToNumber } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

export const GGUF_CAPS = {
  headerBytes: 50 * 1024 * 1024,
  kv: 100_000,
  tensors: 10_000_000,
  stringBytes: 10 * 1024 * 1024,
  arrayLength: 1_000_000,
  nesting: 4,
  dims: 8,
};

const FIXED_WIDTH: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const T_STRING = 8;
const T_ARRAY = 9;

/** llama_ftype → name (general.file_type). */
export const GGUF_FILE_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 4: 'Q4_1_SOME_F16', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1',
  10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M', 13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S',
  17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS', 21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS',
  24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S', 29: 'IQ2_M', 30: 'IQ4_XS',
  31: 'IQ1_M', 32: 'BF16', 33: 'Q4_0_4_4', 34: 'Q4_0_4_8', 35: 'Q4_0_8_8', 36: 'TQ1_0', 37: 'TQ2_0',
  38: 'MXFP4_MOE',
};

/** ggml_type → name (tensor types). */
export const GGML_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K',
  11: 'Q3_K', 12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS',
  18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8',
  25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 30: 'BF16', 34: 'TQ1_0', 35: 'TQ2_0',
  39: 'MXFP4',
};

type KvValue = string | number | boolean | { arrayType: number; length: number; items?: (string | number | boolean)[] };

export async function readGguf(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  const c = new SourceCursor(src, 0, 1 << 20);
  if (src.size < 16) throw new FormatError('file is too small to be GGUF');
  await c.fill(8, 'header');
  const magic = decodeUtf8(c.bytes(4));
  if (magic !== 'GGUF') throw new FormatError('missing GGUF magic');
  let version = c.u32();
  if ((version & 0xffff) === 0) {
    c.pos -= 4;
    c.littleEndian = false;
    version = c.u32();
  }
  if (version < 1 || version > 3) throw new FormatError(`unsupported GGUF version ${version}`);
  const v1 = version === 1;

  const readCount = async (what: string): Promise<number> => {
    if (v1) return c.readU32(what);
    return u64ToNumber(await c.readU64(what), what);
  };
  const readString = async (what: string, keep: boolean): Promise<string> => {
    const len = await readCount(`${what} length`);
    if (len > GGUF_CAPS.stringBytes) throw new FormatError(`${what} is longer than 10 MB`);
    if (!keep) {
      c.skip(len, what);
      return '';
    }
    return decodeUtf8(await c.readBytes(len, what));
  };

  const tensorCount = await readCount('tensor count');
  const kvCount = await readCount('metadata count');
  if (kvCount > GGUF_CAPS.kv) throw new FormatError(`metadata count ${kvCount} is above the limit of ${GGUF_CAPS.kv}`);
  if (tensorCount > GGUF_CAPS.tensors) throw new FormatError(`tensor count ${tensorCount} is above the limit of ${GGUF_CAPS.tensors}`);

  const kv = new Map<string, KvValue>();

  const readScalar = async (type: number): Promise<string | number | boolean> => {
    const w = FIXED_WIDTH[type];
    if (w === undefined) throw new FormatError(`unknown value type ${type}`);
    if (!c.has(w)) await c.fill(w, 'value');
    switch (type) {
      case 0: return c.u8();
      case 1: return (c.u8() << 24) >> 24;
      case 2: return c.u16();
      case 3: return c.i16();
      case 4: return c.u32();
      case 5: return c.i32();
      case 6: return c.f32();
      case 7: return c.u8() !== 0;
      case 10: return Number(c.u64());
      case 11: return Number(c.i64());
      default: return c.f64();
    }
  };

  const readValue = async (type: number, depth: number, keep: boolean): Promise<KvValue> => {
    if (type === T_STRING) return readString('string value', keep);
    if (type !== T_ARRAY) return readScalar(type);
    if (depth >= GGUF_CAPS.nesting) throw new FormatError('arrays are nested too deeply');
    const elemType = await c.readU32('array type');
    const length = await readCount('array length');
    if (length > GGUF_CAPS.arrayLength) throw new FormatError(`array of ${length} elements is above the limit of ${GGUF_CAPS.arrayLength}`);
    const w = FIXED_WIDTH[elemType];
    const keepItems = keep && length <= 32;
    const items: (string | number | boolean)[] = [];
    if (w !== undefined && !keepItems) {
      c.skip(w * length, 'array');
    } else if (w !== undefined) {
      for (let i = 0; i < length; i++) items.push(await readScalar(elemType));
    } else if (elemType === T_STRING) {
      for (let i = 0; i < length; i++) {
        const s = await readString('array string', keepItems);
        if (keepItems) items.push(clip(s, 200));
      }
    } else if (elemType === T_ARRAY) {
      for (let i = 0; i < length; i++) await readValue(T_ARRAY, depth + 1, false);
    } else {
      throw new FormatError(`unknown array element type ${elemType}`);
    }
    return keepItems ? { arrayType: elemType, length, items } : { arrayType: elemType, length };
  };

  let complete = true;
  try {
    for (let i = 0; i < kvCount; i++) {
      if (c.pos > GGUF_CAPS.headerBytes) throw new FormatError('header is larger than 50 MB');
      const key = await readString('key', true);
      const type = await c.readU32('value type');
      const keep = !key.startsWith('tokenizer.ggml.') || key === 'tokenizer.ggml.model' || key === 'tokenizer.ggml.pre';
      const value = await readValue(type, 0, keep);
      if (kv.size < 1000) kv.set(clip(key, 200), value);
    }
  } catch (err) {
    complete = false;
    pushWarning(warnings, `metadata could not be read completely (${err instanceof Error ? err.message : String(err)}); showing what was read`);
  }

  // Tensor infos.
  let parameters = 0;
  const tensorTypes: Record<string, number> = {};
  let tensorsRead = 0;
  let maxOffset = 0;
  if (complete) {
    try {
      for (let i = 0; i < tensorCount; i++) {
        if (c.pos > GGUF_CAPS.headerBytes) throw new FormatError('header is larger than 50 MB');
        await readString('tensor name', false);
        const nDims = await c.readU32('tensor dims');
        if (nDims > GGUF_CAPS.dims) throw new FormatError(`tensor has ${nDims} dimensions (limit ${GGUF_CAPS.dims})`);
        const dims: number[] = [];
        for (let d = 0; d < nDims; d++) dims.push(await readCount('tensor dimension'));
        const type = await c.readU32('tensor type');
        const offset = u64ToNumber(await c.readU64('tensor offset'), 'tensor offset');
        const numel = product(dims);
        if (numel === null) throw new FormatError('tensor shape overflows');
        parameters += numel;
        if (!Number.isSafeInteger(parameters)) throw new FormatError('parameter count overflows');
        addTo(tensorTypes, GGML_TYPES[type] ?? `type${type}`, 1);
        maxOffset = Math.max(maxOffset, offset);
        tensorsRead++;
      }
    } catch (err) {
      complete = false;
      pushWarning(warnings, `tensor table could not be read completely (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  let alignment = numberOf(kv.get('general.alignment')) ?? 32;
  if (!Number.isSafeInteger(alignment) || alignment < 1 || alignment > 1 << 20) {
    pushWarning(warnings, `ignoring invalid general.alignment ${alignment}`);
    alignment = 32;
  }
  if (complete) {
    const dataStart = Math.ceil(c.pos / alignment) * alignment;
    if (tensorCount > 0 && dataStart + maxOffset > src.size) {
      pushWarning(warnings, 'tensor data runs past the end of the file (truncated download or split file?)');
    }
  }

  const arch = stringOf(kv.get('general.architecture'));
  const fileType = numberOf(kv.get('general.file_type'));
  const metadata: Record<string, unknown> = {
    version,
    endianness: c.littleEndian ? 'little' : 'big',
    tensorCount,
    kvCount,
  };
  const put = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) metadata[k] = v;
  };
  put('architecture', arch);
  put('name', stringOf(kv.get('general.name')));
  put('basename', stringOf(kv.get('general.basename')));
  put('sizeLabel', stringOf(kv.get('general.size_label')));
  put('license', stringOf(kv.get('general.license')));
  put('organization', stringOf(kv.get('general.organization')));
  put('fileType', fileType);
  if (fileType !== undefined) put('quantization', GGUF_FILE_TYPES[fileType] ?? `file_type ${fileType}`);
  if (arch) {
    put('contextLength', numberOf(kv.get(`${arch}.context_length`)));
    put('blockCount', numberOf(kv.get(`${arch}.block_count`)));
    put('embeddingLength', numberOf(kv.get(`${arch}.embedding_length`)));
    put('headCount', numberOf(kv.get(`${arch}.attention.head_count`)));
  }
  const baseCount = numberOf(kv.get('general.base_model.count'));
  if (baseCount !== undefined && baseCount > 0) {
    const bases: Record<string, string>[] = [];
    for (let i = 0; i < Math.min(baseCount, 16); i++) {
      const b: Record<string, string> = {};
      for (const f of ['name', 'organization', 'repo_url', 'version']) {
        const v = stringOf(kv.get(`general.base_model.${i}.${f}`));
        if (v !== undefined) b[f === 'repo_url' ? 'repoUrl' : f] = v;
      }
      bases.push(b);
    }
    metadata.baseModels = bases;
  }
  const datasets = kv.get('general.datasets');
  if (typeof datasets === 'object' && datasets.items) put('datasets', datasets.items);
  const tags = kv.get('general.tags');
  if (typeof tags === 'object' && tags.items) put('tags', tags.items);
  put('splitNo', numberOf(kv.get('split.no')));
  put('splitCount', numberOf(kv.get('split.count')));
  put('tokenizer', stringOf(kv.get('tokenizer.ggml.model')));
  const tokens = kv.get('tokenizer.ggml.tokens');
  if (typeof tokens === 'object') put('vocabSize', tokens.length);
  if (alignment !== 32) put('alignment', alignment);
  if (tensorsRead === tensorCount && complete) {
    metadata.parameters = parameters;
    metadata.tensorTypes = tensorTypes;
  }
  metadata.headerComplete = complete;
  return { format: 'gguf', kind: 'model', metadata, warnings };
}

function stringOf(v: KvValue | undefined): string | undefined {
  return typeof v === 'string' ? clip(v, 1000) : undefined;
}
function numberOf(v: KvValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
