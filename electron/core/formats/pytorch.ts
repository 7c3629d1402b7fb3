// PyTorch checkpoints (.pt/.pth/.bin/.ckpt): the torch zip (data.pkl + data/<key> storages) or the
// legacy pickle stream. data.pkl is disassembled statically (pickle.ts) — never unpickled.
import { constants as zlibConstants, gunzipSync, inflateSync } from 'node:zlib';
import { clip, readExact } from './bytes';
import { type PV, PDict, PObj, type PickleScan, countTensors, dictGet, plain, safetyOf, scanPickle } from './pickle';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError, NotThisFormat } from './types';
import { looksLikeZip, readZipDirectory, readZipEntry } from './zip';

export const DATA_PKL_CAP = 64 * 1024 * 1024;
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_HEAD = 1024 * 1024;

export async function readPytorch(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 4) throw new FormatError('file is too small to be a PyTorch checkpoint');
  const head = await readExact(src, 0, Math.min(src.size, 16), 'header');
  if (looksLikeZip(head)) return readTorchZip(src);
  if (LEGACY_MAGIC.every((b, i) => head[i] === b)) return readLegacy(src);
  if (head[0] === 0x80) return readPlainPickle(src, 'pytorch');
  throw new NotThisFormat('neither a PyTorch zip checkpoint nor a pickle');
}

async function readTorchZip(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  const dir = await readZipDirectory(src);
  const pkl = dir.entries
    .filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'))
    .sort((a, b) => a.name.split('/').length - b.name.split('/').length)[0];
  if (!pkl) {
    const names = new Set(dir.entries.map((e) => e.name));
    if (names.has('metadata.json') && names.has('config.json')) {
      throw new FormatError('this is a Keras archive, not a PyTorch checkpoint');
    }
    throw new FormatError('zip archive has no data.pkl: not a PyTorch checkpoint');
  }
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const storages = dir.entries.filter((e) => e.name.startsWith(`${prefix}data/`) && !e.name.endsWith('/'));
  const storageBytes = storages.reduce((n, e) => n + e.size, 0);
  const torchscript = dir.entries.some((e) => e.name === `${prefix}constants.pkl` || e.name.startsWith(`${prefix}code/`));
  const small = async (name: string): Promise<string | undefined> => {
    const e = dir.entries.find((x) => x.name === `${prefix}${name}`);
    if (!e || e.size > 64) return undefined;
    return new TextDecoder().decode(await readZipEntry(src, e, 64)).trim();
  };
  const version = await small('version') ?? await small('.data/version');
  const byteorder = await small('byteorder');

  const bytes = await readZipEntry(src, pkl, DATA_PKL_CAP);
  const scan = scanPickle(bytes);
  if (!scan.complete) pushStop(warnings, scan);

  const metadata: Record<string, unknown> = {
    container: 'zip',
    archiveName: prefix.replace(/\/$/, ''),
    storages: storages.length,
    storageBytes,
    dataPklBytes: pkl.size,
    pickleProtocol: scan.protocol,
  };
  if (version !== undefined) metadata.formatVersion = version;
  if (byteorder !== undefined) metadata.byteorder = byteorder;
  if (torchscript) metadata.torchscript = true;
  Object.assign(metadata, summarizeRoot(scan.root));
  const safety = safetyOf([scan]);
  metadata.safety = safety;
  if (safety.verdict === 'dangerous') warnings.unshift(`pickle imports dangerous globals: ${safety.dangerous.join(', ')}`);
  return { format: 'pytorch', kind: 'model', metadata, warnings };
}

async function readLegacy(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  const prefixOnly = src.size > LEGACY_HEAD;
  const buf = await readExact(src, 0, Math.min(src.size, LEGACY_HEAD), 'header');
  // magic number, protocol version, sys_info, then the object pickle, then the storage key list.
  const scans: PickleScan[] = [];
  let pos = 0;
  for (let i = 0; i < 4 && pos < buf.length; i++) {
    const s = scanPickle(buf, pos, { prefixOnly });
    scans.push(s);
    if (!s.complete) {
      pushStop(warnings, s);
      break;
    }
    pos = s.end;
  }
  const main = scans[3];
  const metadata: Record<string, unknown> = { container: 'legacy' };
  const proto = scans[1]?.root;
  if (typeof proto === 'number') metadata.formatVersion = String(proto);
  if (main) Object.assign(metadata, summarizeRoot(main.root));
  const safety = safetyOf(scans);
  metadata.safety = safety;
  if (safety.verdict === 'dangerous') warnings.unshift(`pickle imports dangerous globals: ${safety.dangerous.join(', ')}`);
  return { format: 'pytorch', kind: 'model', metadata, warnings };
}

const COMPRESSED_HEAD = 1024 * 1024;
const INFLATED_CAP = 16 * 1024 * 1024;
/** Libraries whose pickled root object is a trained model. */
const MODEL_LIBRARIES: Record<string, string> = {
  sklearn: 'scikit-learn', xgboost: 'xgboost', lightgbm: 'lightgbm', catboost: 'catboost', statsmodels: 'statsmodels',
  imblearn: 'imbalanced-learn', sktime: 'sktime', prophet: 'prophet', keras: 'keras', torch: 'pytorch',
};
const DATA_LIBRARIES: Record<string, string> = { pandas: 'pandas', numpy: 'numpy', scipy: 'scipy' };

/**
 * Any pickle file (.pkl, .pickle, .joblib): globals, safety, the root object's class and library.
 * zlib/gzip-compressed joblib files are inflated (a bounded prefix) and scanned the same way; other
 * compressions (bz2, xz, lz4) are only named.
 */
export async function readPlainPickle(src: RangeSource, format = 'pickle'): Promise<FormatInfo> {
  const warnings: string[] = [];
  const head = await readExact(src, 0, Math.min(src.size, 8), 'header');
  const compressed = sniffCompression(head);
  let buf: Uint8Array;
  let prefixOnly: boolean;
  const metadata: Record<string, unknown> = {};
  const notInspected = (why: string): FormatInfo => ({
    format,
    kind: 'other',
    metadata: { compression: compressed, safety: { verdict: 'unknown', globals: [], dangerous: [], complete: false } },
    warnings: [`${compressed}-compressed pickle: ${why}`],
  });
  if (compressed === 'zlib' || compressed === 'gzip') {
    const raw = await readExact(src, 0, Math.min(src.size, COMPRESSED_HEAD), 'compressed pickle');
    const inflated = inflatePrefix(raw, compressed);
    if (!inflated || inflated.bytes.length === 0) return notInspected('the stream could not be inflated (corrupt)');
    buf = inflated.bytes;
    prefixOnly = raw.length < src.size || inflated.capped;
    metadata.compression = compressed;
    if (!prefixOnly && !streamEnds(raw, compressed)) warnings.push(`the ${compressed} stream is truncated`);
  } else if (compressed) {
    return notInspected('contents not inspected');
  } else {
    const cap = Math.min(src.size, DATA_PKL_CAP);
    buf = await readExact(src, 0, cap, 'pickle');
    prefixOnly = cap < src.size;
  }
  const scan = scanPickle(buf, 0, { prefixOnly });
  if (!scan.complete) pushStop(warnings, scan);
  if (scan.opcodes <= 1 && scan.stopped) throw new FormatError('not a pickle');
  metadata.pickleProtocol = scan.protocol;
  const rootClass = scan.root instanceof PObj ? plain(scan.root.callable) : undefined;
  // The first global of a pickled estimator is its class (protocol 2+ pickles build the root first).
  const cls = typeof rootClass === 'string' ? rootClass : scan.globals[0];
  if (typeof rootClass === 'string') metadata.rootClass = rootClass;
  else if (scan.globals[0]) metadata.firstGlobal = scan.globals[0];
  const top = cls?.split('.')[0] ?? '';
  const library = MODEL_LIBRARIES[top] ?? DATA_LIBRARIES[top];
  if (library) metadata.library = library;
  if (scan.globals.some((g) => g.startsWith('joblib.') || g.startsWith('sklearn.externals.joblib.'))) metadata.joblib = true;
  const counted = scan.root !== undefined ? countTensors(scan.root) : undefined;
  if (counted && counted.tensors > 0) Object.assign(metadata, { tensors: counted.tensors, parameters: counted.parameters, dtypes: counted.dtypes });
  const safety = safetyOf([scan]);
  metadata.safety = safety;
  if (safety.verdict === 'dangerous') warnings.unshift(`pickle imports dangerous globals: ${safety.dangerous.join(', ')}`);
  const isModel = (counted && counted.tensors > 0) || (MODEL_LIBRARIES[top] !== undefined && top !== 'torch');
  return { format, kind: isModel ? 'model' : 'other', metadata, warnings };
}

/** True when the whole compressed stream is there (it inflates with a proper end). */
function streamEnds(raw: Uint8Array, kind: 'zlib' | 'gzip'): boolean {
  try {
    if (kind === 'zlib') inflateSync(raw, { maxOutputLength: INFLATED_CAP });
    else gunzipSync(raw, { maxOutputLength: INFLATED_CAP });
    return true;
  } catch (err) {
    return err instanceof RangeError; // over the cap is not truncation
  }
}

/**
 * Inflates as much of a (possibly truncated) zlib/gzip stream as fits the output cap: a shorter
 * compressed prefix is tried when the output would exceed it (arrays of zeros compress 1000:1).
 */
function inflatePrefix(raw: Uint8Array, kind: 'zlib' | 'gzip'): { bytes: Uint8Array; capped: boolean } | null {
  const opts = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: INFLATED_CAP };
  for (let n = raw.length; n >= 2; n = n > 64 ? Math.floor(n / 4) : 0) {
    try {
      const input = raw.subarray(0, n);
      const out = kind === 'zlib' ? inflateSync(input, opts) : gunzipSync(input, opts);
      return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), capped: n < raw.length };
    } catch (err) {
      if (!(err instanceof RangeError)) return null; // corrupt stream
    }
  }
  return null;
}

function sniffCompression(h: Uint8Array): string | null {
  if (h[0] === 0x78 && (h[1] === 0x01 || h[1] === 0x5e || h[1] === 0x9c || h[1] === 0xda)) return 'zlib';
  if (h[0] === 0x1f && h[1] === 0x8b) return 'gzip';
  if (h[0] === 0x42 && h[1] === 0x5a && h[2] === 0x68) return 'bz2';
  if (h[0] === 0xfd && h[1] === 0x37 && h[2] === 0x7a && h[3] === 0x58 && h[4] === 0x5a) return 'xz';
  if (h[0] === 0x04 && h[1] === 0x22 && h[2] === 0x4d && h[3] === 0x18) return 'lz4';
  return null;
}

function pushStop(warnings: string[], scan: PickleScan): void {
  const s = scan.stopped;
  if (!s) return;
  warnings.push(s.by === 'limit'
    ? `pickle is too large to inspect completely (${s.reason}); safety could not be confirmed`
    : `pickle is malformed at byte ${s.offset}: ${s.reason}`);
}

/** Checkpoint-level facts: Lightning epoch/global_step, hyperparameters, the state_dict's tensors. */
function summarizeRoot(root: PV | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (root === undefined) return out;
  const isDictLike = root instanceof PDict || root instanceof PObj;
  let weights: PV = root;
  if (isDictLike) {
    const keys = (root as PDict).entries.map(([k]) => k).filter((k): k is string => typeof k === 'string');
    out.topLevelKeys = keys.slice(0, 30).map((k) => clip(k, 100));
    for (const k of ['epoch', 'global_step', 'pytorch-lightning_version', 'best_fitness', 'version', 'date']) {
      const v = dictGet(root, k);
      if (v !== undefined && (typeof v === 'number' || typeof v === 'string')) {
        out[k === 'pytorch-lightning_version' ? 'lightningVersion' : k === 'global_step' ? 'globalStep' : k === 'best_fitness' ? 'bestFitness' : k] = plain(v);
      }
    }
    for (const k of ['hyper_parameters', 'hparams', 'train_args']) {
      const v = dictGet(root, k);
      if (v !== undefined && v !== null) {
        out.hyperParameters = plain(v);
        break;
      }
    }
    for (const k of ['state_dict', 'model_state_dict', 'model', 'ema', 'module']) {
      const v = dictGet(root, k);
      if (v !== undefined && v !== null && typeof v === 'object') {
        weights = v;
        out.weightsKey = k;
        break;
      }
    }
    if (out.lightningVersion !== undefined || (out.globalStep !== undefined && dictGet(root, 'state_dict') !== undefined)) {
      out.checkpointKind = 'lightning';
    }
  }
  const counted = countTensors(weights);
  out.tensors = counted.tensors;
  out.parameters = counted.parameters;
  out.dtypes = counted.dtypes;
  if (!counted.exact) out.parametersApproximate = true;
  return out;
}
