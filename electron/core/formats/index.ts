// Format registry: picks a reader by file name and runs it under a byte cap. A truncated or
// hostile file never throws out of readFormat(): failures become a warning on an empty result.
import { readArrow } from './arrow';
import { readCoreml } from './coreml';
import { readCsv } from './csv';
import { readGguf } from './gguf';
import { readHdf5 } from './hdf5';
import { readJsonModelOrDataset } from './json-sniff';
import { readKeras } from './keras';
import { readLightgbm } from './lightgbm';
import { readOnnx } from './onnx';
import { readParquet } from './parquet';
import { readPlainPickle, readPytorch } from './pytorch';
import { cappedRange, type RangeSource } from './range-source';
import { readSafetensors, readSafetensorsIndex } from './safetensors';
import { readSavedModel } from './savedmodel';
import { readTflite } from './tflite';
import { type FormatInfo, type FormatReader, NotThisFormat } from './types';
import { readYoloData } from './yolo';

export type { FormatInfo, FormatReader } from './types';
export type { RangeSource } from './range-source';
export { bufferRange, cappedRange } from './range-source';

export const DEFAULT_BYTE_CAP = 4 * 1024 * 1024;

interface Entry {
  format: string;
  kind: FormatInfo['kind'];
  reader: FormatReader;
  test: (lowerName: string) => boolean;
  /**
   * The name only suggests the format (.json, .yaml, .txt): the reader sniffs the content, and a
   * file that turns out not to be one is no format at all (readFormat returns null, no warning).
   */
  sniff?: boolean;
}

const ext = (...exts: string[]) => (n: string) => exts.some((e) => n.endsWith(e));

/** JSON files other tools own (configs, tokenizers, trainer state): never sniffed. */
const JSON_NOT_OURS = new Set([
  'config.json', 'adapter_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json',
  'generation_config.json', 'preprocessor_config.json', 'processor_config.json', 'vocab.json', 'added_tokens.json',
  'trainer_state.json', 'training_args.json', 'all_results.json', 'train_results.json', 'eval_results.json',
  'dataset_info.json', 'dataset_dict.json', 'state.json', 'metadata.json', 'package.json', 'package-lock.json',
  'tsconfig.json', 'manifest.json', 'model_index.json', 'scheduler_config.json', 'metrics.json', 'params.json',
  'chat_template.json', 'quantize_config.json', 'modules.json', 'sentence_bert_config.json',
]);
/** Names COCO annotation files and XGBoost models usually have: sniffed at any size. */
const JSON_LIKELY = /^(instances|person_keypoints|captions|panoptic|image_info|stuff)_.*\.json$|coco|^_?annotations?([._-].*)?\.json$|xgb|xgboost|booster/;
/** Other JSON files are sniffed only when large: small ones are configs, not models or datasets. */
export const JSON_SNIFF_MIN_BYTES = 256 * 1024;

const YAML_NOT_OURS = new Set([
  'meta.yaml', 'hparams.yaml', 'args.yaml', 'conda.yaml', 'python_env.yaml', 'environment.yml', 'environment.yaml',
  'dvc.yaml', 'params.yaml', 'config.yaml', 'overrides.yaml', 'hydra.yaml', 'docker-compose.yml', 'docker-compose.yaml',
  'compose.yaml', 'compose.yml', 'mkdocs.yml', '.pre-commit-config.yaml', '.gitlab-ci.yml', 'codecov.yml', 'action.yml',
  'action.yaml', 'pnpm-lock.yaml', 'pubspec.yaml', 'chart.yaml', 'values.yaml',
]);

const LIGHTGBM_NAME = /^model\.txt$|(lgb|lgbm|lightgbm|booster)[^/]*\.txt$|\.(lgb|lgbm)$/;

const json: FormatReader = (src) => readJsonModelOrDataset(src);

const ENTRIES: Entry[] = [
  { format: 'safetensors-index', kind: 'model', reader: readSafetensorsIndex, test: ext('.safetensors.index.json') },
  { format: 'safetensors', kind: 'model', reader: readSafetensors, test: ext('.safetensors') },
  { format: 'gguf', kind: 'model', reader: readGguf, test: ext('.gguf') },
  { format: 'onnx', kind: 'model', reader: readOnnx, test: ext('.onnx') },
  { format: 'pytorch', kind: 'model', reader: readPytorch, test: ext('.pt', '.pth', '.ckpt', '.bin') },
  { format: 'pickle', kind: 'other', reader: (src) => readPlainPickle(src), test: ext('.pkl', '.pickle', '.joblib') },
  { format: 'parquet', kind: 'dataset', reader: readParquet, test: ext('.parquet') },
  { format: 'keras', kind: 'model', reader: readKeras, test: ext('.keras') },
  { format: 'hdf5', kind: 'model', reader: readHdf5, test: ext('.h5', '.hdf5') },
  { format: 'tflite', kind: 'model', reader: readTflite, test: ext('.tflite') },
  { format: 'coreml', kind: 'model', reader: readCoreml, test: ext('.mlmodel') },
  { format: 'tf-savedmodel', kind: 'model', reader: readSavedModel, test: (n) => n === 'saved_model.pb' },
  { format: 'arrow', kind: 'dataset', reader: readArrow, test: ext('.arrow', '.feather', '.arrows', '.ipc') },
  { format: 'csv', kind: 'dataset', reader: (src) => readCsv(src), test: ext('.csv') },
  { format: 'tsv', kind: 'dataset', reader: (src) => readCsv(src, { tsv: true }), test: ext('.tsv') },
  { format: 'lightgbm', kind: 'model', reader: readLightgbm, test: (n) => LIGHTGBM_NAME.test(n), sniff: true },
  {
    format: 'json',
    kind: 'other',
    reader: json,
    test: (n) => n.endsWith('.json') && !JSON_NOT_OURS.has(n) && !n.endsWith('.index.json'),
    sniff: true,
  },
  { format: 'yolo-data', kind: 'dataset', reader: readYoloData, test: (n) => (n.endsWith('.yaml') || n.endsWith('.yml')) && !YAML_NOT_OURS.has(n), sniff: true },
];

function baseOf(fileName: string): string {
  return fileName.split(/[\\/]/).pop()?.toLowerCase() ?? '';
}

function entryFor(fileName: string): Entry | null {
  const base = baseOf(fileName);
  return ENTRIES.find((e) => e.test(base)) ?? null;
}

/** The reader as the registry runs it: generic JSON names are sniffed only when large. */
function readerOf(entry: Entry, fileName: string): FormatReader {
  if (entry.reader !== json || JSON_LIKELY.test(baseOf(fileName))) return entry.reader;
  return async (src) => {
    if (src.size < JSON_SNIFF_MIN_BYTES) throw new NotThisFormat('small JSON file with a generic name: not sniffed');
    return json(src);
  };
}

/** The reader for a file name (by extension or name), or null when the format is not one we parse. */
export function readerFor(fileName: string): FormatReader | null {
  const entry = entryFor(fileName);
  return entry ? readerOf(entry, fileName) : null;
}

/**
 * Reads a file's format metadata through a byte cap (default 4 MiB). Returns null for names no
 * reader handles, and for sniffed names (.json, .yaml, model.txt) whose content is none of ours;
 * never throws for bad input — the reason lands in `warnings`.
 */
export async function readFormat(fileName: string, src: RangeSource, opts: { byteCap?: number } = {}): Promise<FormatInfo | null> {
  const entry = entryFor(fileName);
  if (!entry) return null;
  const capped = cappedRange(src, opts.byteCap ?? DEFAULT_BYTE_CAP);
  try {
    return await readerOf(entry, fileName)(capped);
  } catch (err) {
    if (err instanceof NotThisFormat) return entry.sniff ? null : { format: 'unknown', kind: 'other', metadata: {}, warnings: [err.message] };
    return { format: entry.format, kind: entry.kind, metadata: {}, warnings: [plainReason(err)] };
  }
}

function plainReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/read budget of \d+ bytes exceeded/.test(msg)) return `header is larger than the read limit (${msg})`;
  if (err instanceof RangeError) return `file is malformed or truncated (${msg})`;
  return msg;
}
