// What the fuzzer feeds: every format reader (through readFormat, by a file name it handles), every
// sidecar kind (parseSidecar) and every run reader (readRun over an in-memory share). Seeds are the
// files writeDemoLibrary writes, plus small synthesized files for formats the demo lacks. Each input
// is derived from (run seed, target, index) alone, so any failure replays from its index.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ByteWriter } from '../../../core/demo/binary';
import { writeHdf5 } from '../../../core/demo/hdf5-writer';
import { Pb } from '../../../core/demo/model-writers';
import { Prng } from '../../../core/demo/prng';
import { bufferRange, readFormat } from '../../../core/formats';
import { concat, enc, fbBuild, type FbField } from '../../../core/formats/test-helpers';
import { parseSidecar, type SidecarKind, sidecarKind } from '../../../core/registry/sidecar-files';
import { detectRuns, readRun } from '../../../core/runs';
import { memoryReader } from '../../../core/runs/test-helpers';
import type { DetectedRun } from '../../../core/runs/types';
import { type Bytes, decode, mix, mutateBytes, mutateText } from './mutate';

export type Outcome = { ok: true; note?: string } | { ok: false; kind: 'throw' | 'invariant'; message: string };

export interface Target {
  name: string;
  group: 'format' | 'sidecar' | 'run';
  seeds: number;
  /** Builds input `index` (index < seeds: the seeds themselves, unmutated). */
  input(seed: number, index: number): Bytes;
  run(input: Bytes): Promise<Outcome>;
}

const BIG_HEADER_CAP = 64 * 1024 * 1024; // as the scanner reads .gguf/.pt/.pth/.ckpt/.bin

/** The checks every reader's output must pass: plain JSON data (the catalog stores it as JSON). */
function jsonProblem(value: unknown, maxBytes: number): string | null {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return `output is not JSON-serialisable: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (text === undefined) return 'output is undefined';
  if (text.length > maxBytes) return `output is ${text.length} bytes of JSON (limit ${maxBytes})`;
  return null;
}

// ---- synthesized seeds for formats the demo library does not contain ----

const str = (v: string): FbField => ({ t: 'str', v });
const u32f = (v: number): FbField => ({ t: 'u32', v });

function tfliteSeed(): Bytes {
  const modelMeta = fbBuild([str('shelf-classifier'), str('Classifies shelf photos'), str('v3'), undefined, str('vision-team'), str('Apache-2.0')], 'M001');
  return fbBuild(
    [
      u32f(3),
      { t: 'vec-table', v: [[{ t: 'u8', v: 3 }], [{ t: 'u8', v: 9 }]] },
      { t: 'vec-table', v: [[{ t: 'vec-table', v: [[str('input')], [str('w')], [str('output')]] }, { t: 'vec-i32', v: [0] }, { t: 'vec-i32', v: [2] }, { t: 'vec-table', v: [[], []] }, str('main')]] },
      str('TOCO Converted.'),
      { t: 'vec-table', v: [[], [{ t: 'vec-u8', v: enc('1.14.0\0\0') }], [{ t: 'vec-u8', v: modelMeta }]] },
      undefined,
      { t: 'vec-table', v: [[str('min_runtime_version'), u32f(1)], [str('TFLITE_METADATA'), u32f(2)]] },
      { t: 'vec-table', v: [[undefined, undefined, str('serving_default')]] },
    ],
    'TFL3',
  );
}

function coremlSeed(): Bytes {
  const feature = (name: string) => new Pb().string(1, name).string(2, `${name} feature`);
  const meta = new Pb().string(1, 'Predicts churn').string(2, '1.2.0').string(3, 'growth team').string(4, 'internal').message(100, new Pb().string(1, 'k').string(2, 'v'));
  const description = new Pb().message(1, feature('tenure')).message(1, feature('spend')).message(10, feature('churned')).string(11, 'churned').message(100, meta);
  return new Pb().varint(1, 5).message(2, description).varint(10, 0).bytes(402, new Uint8Array(100)).toBytes();
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function savedModelSeed(): Bytes {
  const info = new Pb().string(1, 'meta-graph-1').message(2, new Pb().string(1, 'OpList')).string(4, 'serve').string(5, '2.16.1').string(6, 'v2.16.0');
  const infoField = new Pb().message(1, info).toBytes();
  const sigField = new Pb().message(5, new Pb().string(1, 'serving_default').message(2, new Pb().string(3, 'tensorflow/serving/predict'))).toBytes();
  const graphBytes = 2000;
  const graphHeader = Uint8Array.from([0x12, ...varint(graphBytes)]);
  const metaLen = infoField.length + graphHeader.length + graphBytes + sigField.length;
  return concat(Uint8Array.of(0x08, 0x01, 0x12, ...varint(metaLen)), infoField, graphHeader, new Uint8Array(graphBytes), sigField);
}

const arrowField = (name: string, typeType: number, type: FbField[]): FbField[] => [str(name), { t: 'u8', v: 1 }, { t: 'u8', v: typeType }, { t: 'table', v: type }];
const arrowSchema = (): FbField[] => [
  { t: 'i16', v: 0 },
  { t: 'vec-table', v: [arrowField('id', 2, [{ t: 'i32', v: 64 }, { t: 'u8', v: 1 }]), arrowField('text', 5, []), arrowField('score', 3, [{ t: 'i16', v: 2 }])] },
  { t: 'vec-table', v: [[str('huggingface'), str('{}')]] },
];
const arrowMessage = (headerType: number, header: FbField[], bodyLength: number) =>
  fbBuild([{ t: 'i16', v: 4 }, { t: 'u8', v: headerType }, { t: 'table', v: header }, { t: 'i64', v: bodyLength }]);
function encapsulate(fb: Uint8Array): Uint8Array {
  const padded = concat(fb, new Uint8Array((8 - ((fb.length + 8) % 8)) % 8));
  return new ByteWriter().u32(0xffffffff).u32(padded.length).bytes(padded).toBytes();
}
function arrowStreamSeed(): Bytes {
  const w = new ByteWriter().bytes(encapsulate(arrowMessage(1, arrowSchema(), 0)));
  for (const rows of [10, 7]) w.bytes(encapsulate(arrowMessage(3, [{ t: 'i64', v: rows }], 64))).zeros(64);
  return w.u32(0xffffffff).u32(0).toBytes();
}
function arrowFileSeed(): Bytes {
  const w = new ByteWriter().utf8('ARROW1').zeros(2).bytes(encapsulate(arrowMessage(1, arrowSchema(), 0)));
  const blocks = new ByteWriter();
  for (const rows of [100, 37]) {
    const msg = encapsulate(arrowMessage(3, [{ t: 'i64', v: rows }], 64));
    blocks.u64(w.length).i32(msg.length).u32(0).u64(64);
    w.bytes(msg).zeros(64);
  }
  const footer = fbBuild([{ t: 'i16', v: 4 }, { t: 'table', v: arrowSchema() }, undefined, { t: 'vec-struct', count: 2, bytes: blocks.toBytes() }]);
  return w.bytes(footer).i32(footer.length).utf8('ARROW1').toBytes();
}

const LIGHTGBM = [
  'tree', 'version=v4', 'num_class=1', 'num_tree_per_iteration=1', 'label_index=0', 'max_feature_idx=2', 'objective=binary sigmoid:1',
  'feature_names=tenure spend age', 'feature_infos=[0:72] [0:300] [18:90]', 'tree_sizes=512 498', '', 'Tree=0', 'num_leaves=3', '', 'Tree=1', 'num_leaves=3', '',
  'end of trees', '', 'feature_importances:', 'tenure=12', '', 'parameters:', '[boosting: gbdt]', '[learning_rate: 0.05]', 'end of parameters', '', 'pandas_categorical:null', '',
].join('\n');

function cocoSeed(): string {
  const images = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, file_name: `${i}.jpg`, width: 640, height: 480 }));
  const annotations = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, image_id: (i % 6) + 1, category_id: (i % 2) + 1, bbox: [1, 2, 3, 4], area: 12, iscrowd: 0 }));
  return JSON.stringify({ info: { description: 'shelf', version: '1' }, images, annotations, categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }] });
}

const XGB = JSON.stringify({
  learner: {
    attributes: {},
    feature_names: ['a', 'b'],
    gradient_booster: { model: { gbtree_model_param: { num_trees: '2' }, trees: [{ id: 0 }, { id: 1 }] }, name: 'gbtree' },
    learner_model_param: { base_score: '5E-1', num_class: '0', num_feature: '2' },
    objective: { name: 'binary:logistic' },
  },
  version: [2, 1, 3],
});

const YOLO = 'path: ../datasets/shelf\ntrain: images/train\nval: images/val\ntest: images/test\nnc: 2\nnames:\n  0: product\n  1: gap\ndownload: https://example.invalid/shelf.zip\n';

const ST_INDEX = JSON.stringify({ metadata: { total_size: 123456 }, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' } });

// ---- classic attacks, always in the seeds (and mutated from there) ----

const b = (...parts: Array<number[] | string | Uint8Array>): Bytes =>
  concat(...parts.map((p) => (typeof p === 'string' ? enc(p) : p instanceof Uint8Array ? p : Uint8Array.from(p))));

const PICKLE_ATTACKS: Bytes[] = [
  b([0x80, 0x02, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2e]), // a list that contains itself (memo cycle)
  b([0x80, 0x02, 0x7d, 0x71, 0x00], 'X', [1, 0, 0, 0], 'a', [0x68, 0x00, 0x73, 0x2e]), // a dict that contains itself
  b([0x80, 0x02], new Uint8Array(50_000).fill(0x28), new Uint8Array(50_000).fill(0x6c), [0x2e]), // 50k nested lists
  b([0x80, 0x02], new Uint8Array(300_000).fill(0x5d), [0x2e]), // 300k pushes
  b([0x80, 0x02, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e]), // LONG_BINGET of a memo key never set
  b([0x80, 0x04, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x2e]), // FRAME of 2^63 bytes
  b([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e]), // BINUNICODE of 2^31 bytes
];

function safetensorsDeepHeader(): Bytes {
  const json = `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(json.length), true);
  return b(len, json);
}

function ggufClaims(tensors: bigint, kvs: bigint, keyLength: bigint): Bytes {
  const out = new Uint8Array(64);
  const dv = new DataView(out.buffer);
  out.set(enc('GGUF'), 0);
  dv.setUint32(4, 3, true);
  dv.setBigUint64(8, tensors, true);
  dv.setBigUint64(16, kvs, true);
  dv.setBigUint64(24, keyLength, true);
  return out;
}

// ---- corpus ----

export interface Corpus {
  /** source-relative path → bytes, every file of the demo library */
  files: Map<string, Bytes>;
}

export async function loadCorpus(demoDir: string): Promise<Corpus> {
  const files = new Map<string, Bytes>();
  for (const rel of await readdir(demoDir, { recursive: true })) {
    const full = path.join(demoDir, rel);
    if ((await stat(full)).isFile()) files.set(rel.split(path.sep).join('/'), new Uint8Array(await readFile(full)));
  }
  return { files };
}

interface FormatSpec {
  name: string;
  fileName: string;
  demo?: RegExp;
  synth?: () => Array<Bytes | string>;
}

export const FORMAT_SPECS: FormatSpec[] = [
  { name: 'safetensors', fileName: 'model.safetensors', demo: /\.safetensors$/, synth: () => [safetensorsDeepHeader()] },
  { name: 'safetensors-index', fileName: 'model.safetensors.index.json', synth: () => [ST_INDEX] },
  { name: 'gguf', fileName: 'model.gguf', demo: /\.gguf$/, synth: () => [ggufClaims(1_000_000_000n, 1n, 1n << 60n), ggufClaims(1n << 62n, 1_000_000_000n, 8n)] },
  { name: 'onnx', fileName: 'model.onnx', demo: /\.onnx$/ },
  { name: 'pytorch', fileName: 'model.pt', demo: /\.(pt|pth|ckpt|bin)$/, synth: () => PICKLE_ATTACKS },
  { name: 'pickle', fileName: 'model.pkl', demo: /\.(pkl|pickle|joblib)$/, synth: () => PICKLE_ATTACKS },
  { name: 'parquet', fileName: 'data.parquet', demo: /\.parquet$/ },
  { name: 'keras', fileName: 'model.keras', demo: /\.keras$/ },
  {
    name: 'hdf5',
    fileName: 'model.h5',
    synth: () => [
      writeHdf5({ keras_version: '3.6.0', backend: 'tensorflow', model_config: '{"class_name":"Sequential","config":{"name":"m"}}' }),
      writeHdf5({ keras_version: '2.15.0', backend: 'tensorflow' }, { vlen: true, userBlock: 512 }),
    ],
  },
  { name: 'tflite', fileName: 'model.tflite', synth: () => [tfliteSeed()] },
  { name: 'coreml', fileName: 'model.mlmodel', synth: () => [coremlSeed()] },
  { name: 'tf-savedmodel', fileName: 'saved_model.pb', synth: () => [savedModelSeed()] },
  { name: 'arrow', fileName: 'data-00000-of-00001.arrow', synth: () => [arrowFileSeed(), arrowStreamSeed()] },
  { name: 'csv', fileName: 'data.csv', demo: /\.csv$/ },
  { name: 'tsv', fileName: 'data.tsv', demo: /\.tsv$/ },
  { name: 'lightgbm', fileName: 'model.txt', synth: () => [LIGHTGBM] },
  { name: 'json', fileName: 'instances_train.json', synth: () => [cocoSeed(), XGB] },
  { name: 'yolo-data', fileName: 'data.yaml', synth: () => [YOLO] },
];

const SIDECAR_SYNTH: Partial<Record<SidecarKind, string[]>> = {
  'hf-adapter-config': [JSON.stringify({ base_model_name_or_path: 'meta-llama/Llama-3.2-1B', peft_type: 'LORA', r: 16, task_type: 'CAUSAL_LM' })],
  'mlflow-alias': ['3\n'],
  hparams: ['lr: 0.001\nbatch_size: 32\nmodel: resnet\n'],
};
export const SIDECAR_KINDS: SidecarKind[] = ['mlflow-model-meta', 'mlflow-version-meta', 'mlflow-alias', 'mlflow-mlmodel', 'hf-config', 'hf-adapter-config', 'model-card', 'hparams'];

const bytesOf = (v: Bytes | string): Bytes => (typeof v === 'string' ? enc(v) : v);

function formatTarget(spec: FormatSpec, corpus: Corpus): Target {
  const seeds: Bytes[] = [];
  if (spec.demo) for (const [p, b] of corpus.files) if (spec.demo.test(p)) seeds.push(b);
  for (const s of spec.synth?.() ?? []) seeds.push(bytesOf(s));
  if (seeds.length === 0) throw new Error(`no seed for ${spec.name}`);
  const byteCap = /\.(gguf|pt|pth|ckpt|bin)$/.test(spec.fileName) ? BIG_HEADER_CAP : undefined;
  return {
    name: spec.name,
    group: 'format',
    seeds: seeds.length,
    input(seed, index) {
      if (index < seeds.length) return seeds[index] as Bytes;
      const rng = new Prng(mix(seed, index, spec.name.length, spec.name.charCodeAt(0)));
      return mutateBytes(rng.pick(seeds), rng, seeds);
    },
    async run(input) {
      let info: Awaited<ReturnType<typeof readFormat>>;
      try {
        info = await readFormat(spec.fileName, bufferRange(input), { byteCap });
      } catch (err) {
        return { ok: false, kind: 'throw', message: `readFormat threw: ${errorText(err)}` };
      }
      if (info === null) return { ok: true, note: 'null' };
      if (typeof info.format !== 'string' || !Array.isArray(info.warnings) || info.warnings.some((w) => typeof w !== 'string')) {
        return { ok: false, kind: 'invariant', message: `malformed FormatInfo: ${String(jsonProblem(info, 1e9) ?? JSON.stringify(info).slice(0, 300))}` };
      }
      const problem = jsonProblem(info.metadata, Math.max(1024 * 1024, input.length * 4));
      if (problem) return { ok: false, kind: 'invariant', message: problem };
      return { ok: true, note: info.warnings.length ? 'warned' : 'clean' };
    },
  };
}

function sidecarTarget(kind: SidecarKind, corpus: Corpus): Target {
  const seeds: string[] = [];
  for (const [p, b] of corpus.files) if (sidecarKind(p) === kind) seeds.push(decode(b));
  seeds.push(...(SIDECAR_SYNTH[kind] ?? []));
  if (seeds.length === 0) throw new Error(`no seed for sidecar ${kind}`);
  // The scanner parses sidecars up to 256 KiB; inputs here stay under 64 KiB so that the 1 s watchdog
  // measures blow-ups (exponential or quadratic time on small inputs), not the parser's plain speed
  // on a busy machine (a valid 256 KiB YAML file takes about 2 s here under load).
  const SIDECAR_CAP = 64 * 1024;
  return {
    name: `sidecar:${kind}`,
    group: 'sidecar',
    seeds: seeds.length,
    input(seed, index) {
      if (index < seeds.length) return enc(seeds[index] as string);
      const rng = new Prng(mix(seed, index, 7, kind.length, kind.charCodeAt(3)));
      const out = mutateText(rng.pick(seeds), rng, seeds);
      return out.length > SIDECAR_CAP ? out.subarray(0, SIDECAR_CAP) : out;
    },
    async run(input) {
      let out: Record<string, unknown>;
      try {
        out = parseSidecar(kind, decode(input));
      } catch (err) {
        // parseSidecar may refuse malformed content (the scanner turns that into a warning), but
        // only with an Error. A stack overflow on deep nesting is a refusal too (counted apart).
        if (!(err instanceof Error)) return { ok: false, kind: 'throw', message: `threw a non-Error: ${String(err)}` };
        return { ok: true, note: /call stack/i.test(err.message) ? 'refused (stack overflow)' : 'refused' };
      }
      if (out === null || typeof out !== 'object' || Array.isArray(out)) return { ok: false, kind: 'invariant', message: 'did not return a record' };
      const problem = jsonProblem(out, Math.max(1024 * 1024, input.length * 4));
      return problem ? { ok: false, kind: 'invariant', message: problem } : { ok: true, note: 'parsed' };
    },
  };
}

function runTargets(corpus: Corpus): Target[] {
  const catalog = [...corpus.files].map(([p, b]) => ({ path: p, isDir: false, size: b.length, mtimeMs: 0 }));
  const runs = detectRuns(catalog);
  const byFormat = new Map<string, DetectedRun[]>();
  for (const r of runs) byFormat.set(r.format, [...(byFormat.get(r.format) ?? []), r]);
  const base = Object.fromEntries(corpus.files);
  return [...byFormat].map(([format, list]) => {
    // Input = one run of this format with one of its files mutated; encoded as [run index][file index][bytes].
    const pick = (rng: Prng) => {
      const runIndex = rng.int(0, list.length - 1);
      const run = list[runIndex] as DetectedRun;
      const fileIndex = rng.int(0, Math.max(0, run.files.length - 1));
      return { runIndex, fileIndex, run };
    };
    return {
      name: `run:${format}`,
      group: 'run' as const,
      seeds: list.length,
      input(seed: number, index: number): Bytes {
        if (index < list.length) return Uint8Array.of(index, 0xff);
        const rng = new Prng(mix(seed, index, 11, format.length, format.charCodeAt(1)));
        const { runIndex, fileIndex, run } = pick(rng);
        const file = run.files[fileIndex];
        const original = (file !== undefined && base[file]) || new Uint8Array(0);
        const others = run.files.map((f) => base[f]).filter((b): b is Bytes => b !== undefined);
        return concat(Uint8Array.of(runIndex, fileIndex), mutateBytes(original, rng, others));
      },
      async run(input: Bytes): Promise<Outcome> {
        const run = list[input[0] as number] as DetectedRun;
        const files = { ...base };
        if (input[1] !== 0xff || input.length > 2) {
          const file = run.files[input[1] as number];
          if (file !== undefined) files[file] = input.subarray(2);
        }
        let parsed: Awaited<ReturnType<typeof readRun>>;
        try {
          parsed = await readRun(memoryReader(files), run);
        } catch (err) {
          return { ok: false, kind: 'throw', message: `readRun threw: ${errorText(err)}` };
        }
        for (const [key, points] of Object.entries(parsed.metrics)) {
          const bad = points.find((p) => !Number.isFinite(p.value) || !Number.isFinite(p.step));
          if (bad) return { ok: false, kind: 'invariant', message: `metric ${key} has a non-finite point ${JSON.stringify(bad)}` };
        }
        const problem = jsonProblem(parsed, 64 * 1024 * 1024);
        return problem ? { ok: false, kind: 'invariant', message: problem } : { ok: true, note: parsed.warnings.length ? 'warned' : 'clean' };
      },
    };
  });
}

export function buildTargets(corpus: Corpus): Target[] {
  return [...FORMAT_SPECS.map((s) => formatTarget(s, corpus)), ...SIDECAR_KINDS.map((k) => sidecarTarget(k, corpus)), ...runTargets(corpus)];
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
