// TensorFlow Lite: a FlatBuffer with file identifier "TFL3" at bytes 4–7. The Model table (version,
// description, subgraphs, operator codes, metadata) sits near the start, written after the weight
// buffers by the back-to-front builder: one head read usually holds it; anything outside is fetched
// with a few small reads. min_runtime_version and the TFLITE_METADATA ("M001") name/version/author/
// license are read from their buffers when small.
import { clip, readExact } from './bytes';
import { FbFile, type FbTable, readWithWindows } from './flatbuffers';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const HEAD = 64 * 1024;
const SMALL_BUFFER = 1024 * 1024;

export async function readTflite(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 8) throw new FormatError('file is too small to be a TFLite model');
  const head = await readExact(src, 0, Math.min(src.size, HEAD), 'header');
  if (String.fromCharCode(...head.subarray(4, 8)) !== 'TFL3') throw new FormatError('missing TFL3 identifier: not a TFLite model');
  const f = new FbFile(src.size);
  f.add(0, head);
  const warnings: string[] = [];

  const meta = await readWithWindows(src, f, () => {
    const m = f.root(0);
    const out: Record<string, unknown> = { schemaVersion: m.u32(0) };
    const description = m.string(3, 1000);
    if (description) out.description = description;
    out.subgraphs = m.vectorLength(2);
    out.operatorCodes = m.vectorLength(1);
    out.buffers = m.vectorLength(4);
    if (out.subgraphs as number > 0) {
      const sg = m.vectorTable(2, 0);
      out.tensors = sg.vectorLength(0);
      out.operators = sg.vectorLength(3);
      const name = sg.string(4, 200);
      if (name) out.subgraphName = name;
    }
    const sigs: string[] = [];
    for (let i = 0; i < Math.min(m.vectorLength(7), 20); i++) {
      const key = m.vectorTable(7, i).string(2, 200);
      if (key) sigs.push(key);
    }
    if (sigs.length) out.signatures = sigs;
    const metaNames: { name: string; buffer: number }[] = [];
    for (let i = 0; i < Math.min(m.vectorLength(6), 50); i++) {
      const t = m.vectorTable(6, i);
      metaNames.push({ name: t.string(0, 200) ?? '', buffer: t.u32(1) });
    }
    if (metaNames.length) out.metadataNames = metaNames.map((x) => x.name);
    return { out, m, metaNames };
  });

  for (const entry of meta.metaNames) {
    if (entry.name !== 'min_runtime_version' && entry.name !== 'TFLITE_METADATA') continue;
    try {
      const data = await bufferData(src, f, meta.m, entry.buffer);
      if (!data) continue;
      if (entry.name === 'min_runtime_version') {
        meta.out.minRuntimeVersion = clip(new TextDecoder().decode(data).replace(/\0+$/, ''), 50);
      } else {
        Object.assign(meta.out, modelMetadata(data));
      }
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      warnings.push(`${entry.name} could not be read (${err.message})`);
    }
  }
  return { format: 'tflite', kind: 'model', metadata: meta.out, warnings };
}

/** The bytes of Buffer #i when small: inline `data`, or `offset`/`size` for models over 2 GB. */
async function bufferData(src: RangeSource, f: FbFile, model: FbTable, index: number): Promise<Uint8Array | null> {
  const loc = await readWithWindows(src, f, () => {
    if (index >= model.vectorLength(4)) throw new FormatError('buffer index out of range');
    const b = model.vectorTable(4, index);
    const p = b.field(0);
    if (p) {
      const start = p + f.u32(p);
      return { start: start + 4, len: f.u32(start) };
    }
    const offset = b.i64(1);
    const size = b.i64(2);
    return offset > 1 ? { start: offset, len: size } : null;
  });
  if (!loc || loc.len === 0) return null;
  if (loc.len > SMALL_BUFFER) throw new FormatError('buffer is larger than the read limit');
  return readWithWindows(src, f, () => f.bytes(loc.start, loc.len).slice(), { chunk: loc.len });
}

/** TFLite Metadata schema ("M001"): ModelMetadata {name, description, version, …, author, license}. */
function modelMetadata(data: Uint8Array): Record<string, unknown> {
  if (data.length < 8 || String.fromCharCode(...data.subarray(4, 8)) !== 'M001') return {};
  const f = new FbFile(data.length);
  f.add(0, data);
  const t = f.root(0);
  const out: Record<string, unknown> = {};
  const pick = (key: string, i: number, max: number) => {
    const s = t.string(i, max);
    if (s) out[key] = s;
  };
  pick('modelName', 0, 200);
  pick('modelDescription', 1, 1000);
  pick('modelVersion', 2, 100);
  pick('author', 4, 200);
  pick('license', 5, 500);
  return out;
}
