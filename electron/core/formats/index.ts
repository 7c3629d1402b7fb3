// Format registry: picks a reader by file name and runs it under a byte cap. A truncated or
// hostile file never throws out of readFormat(): failures become a warning on an empty result.
import { readGguf } from './gguf';
import { readOnnx } from './onnx';
import { readParquet } from './parquet';
import { readPlainPickle, readPytorch } from './pytorch';
import { cappedRange, type RangeSource } from './range-source';
import { readSafetensors, readSafetensorsIndex } from './safetensors';
import { type FormatInfo, type FormatReader, NotThisFormat } from './types';

export type { FormatInfo, FormatReader } from './types';
export type { RangeSource } from './range-source';
export { bufferRange, cappedRange } from './range-source';

export const DEFAULT_BYTE_CAP = 4 * 1024 * 1024;

interface Entry {
  format: string;
  kind: FormatInfo['kind'];
  reader: FormatReader;
  test: (lowerName: string) => boolean;
}

const ext = (...exts: string[]) => (n: string) => exts.some((e) => n.endsWith(e));

const ENTRIES: Entry[] = [
  { format: 'safetensors-index', kind: 'model', reader: readSafetensorsIndex, test: ext('.safetensors.index.json') },
  { format: 'safetensors', kind: 'model', reader: readSafetensors, test: ext('.safetensors') },
  { format: 'gguf', kind: 'model', reader: readGguf, test: ext('.gguf') },
  { format: 'onnx', kind: 'model', reader: readOnnx, test: ext('.onnx') },
  { format: 'pytorch', kind: 'model', reader: readPytorch, test: ext('.pt', '.pth', '.ckpt', '.bin') },
  { format: 'pickle', kind: 'other', reader: (src) => readPlainPickle(src), test: ext('.pkl', '.pickle', '.joblib') },
  { format: 'parquet', kind: 'dataset', reader: readParquet, test: ext('.parquet') },
];

function entryFor(fileName: string): Entry | null {
  const base = fileName.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  return ENTRIES.find((e) => e.test(base)) ?? null;
}

/** The reader for a file name (by extension), or null when the format is not one we parse. */
export function readerFor(fileName: string): FormatReader | null {
  return entryFor(fileName)?.reader ?? null;
}

/**
 * Reads a file's format metadata through a byte cap (default 4 MiB). Returns null for names no
 * reader handles; never throws for bad input — the reason lands in `warnings`.
 */
export async function readFormat(fileName: string, src: RangeSource, opts: { byteCap?: number } = {}): Promise<FormatInfo | null> {
  const entry = entryFor(fileName);
  if (!entry) return null;
  const capped = cappedRange(src, opts.byteCap ?? DEFAULT_BYTE_CAP);
  try {
    return await entry.reader(capped);
  } catch (err) {
    if (err instanceof NotThisFormat) return { format: 'unknown', kind: 'other', metadata: {}, warnings: [err.message] };
    return { format: entry.format, kind: entry.kind, metadata: {}, warnings: [plainReason(err)] };
  }
}

function plainReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/read budget of \d+ bytes exceeded/.test(msg)) return `header is larger than the read limit (${msg})`;
  if (err instanceof RangeError) return `file is malformed or truncated (${msg})`;
  return msg;
}
