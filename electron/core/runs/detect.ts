// Finds training runs in the catalog's file list. Pure: names and folders only, nothing is read.
// One run per folder: TensorBoard event files that sit in another tool's run folder (Lightning and
// Ultralytics both write them there) are read as part of that run instead of as a second run.
import type { CatalogFile, DetectedRun } from './types';
import { baseName, parentOf } from './util';

const MLFLOW_RESERVED = new Set(['models', 'tags', 'datasets', 'traces', '.trash']);
const TFEVENTS = /^events\.out\.tfevents\./;
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;
const HF_WEIGHTS = /^(model|pytorch_model|adapter_model|tf_model|flax_model)(-\d{5}-of-\d{5})?\.(safetensors|bin|h5|msgpack)$/;
const KERAS_LOG_STRICT = /^(training\.log|history\.csv|(train|training|keras|fit)[_-]?(log|history)\.(csv|log)|csv_?logger\.(csv|log))$/i;
const KERAS_MODEL = /\.(keras|h5|hdf5)$/i;
/** When two tools claim the same folder, the first in this list keeps it. */
const PRIORITY: DetectedRun['format'][] = ['mlflow', 'hf-trainer', 'lightning', 'ultralytics', 'dvclive', 'keras-csv', 'tensorboard'];

interface Tree {
  files: Set<string>;
  dirs: Set<string>;
  /** folder → direct child files (names) */
  childFiles: Map<string, string[]>;
  /** folder → direct child folders (names) */
  childDirs: Map<string, string[]>;
}

/**
 * Whether any rule below can look at a file: its name is one they test, or it sits under an MLflow
 * run's metrics/params/tags folder. The rest (images, data shards, plain files — most of a large
 * share) stays out of the tree, which on a 1M-file source was ~100 MB of sets and names.
 */
const RULE_NAME = /^(meta\.yaml|trainer_state\.json|metrics\.(csv|json)|results\.csv|args\.yaml|hparams\.yaml|params\.yaml|MLmodel)$|\.(ckpt|tsv|pt|onnx|engine|torchscript)$/i;
function mayMatter(path: string): boolean {
  const name = baseName(path);
  return (
    RULE_NAME.test(name) ||
    TFEVENTS.test(name) ||
    HF_WEIGHTS.test(name) ||
    KERAS_LOG_STRICT.test(name) ||
    KERAS_MODEL.test(name) ||
    (/log/i.test(name) && /\.csv$/i.test(name)) ||
    /\/(metrics|params|tags)\//.test(path)
  );
}

function buildTree(entries: CatalogFile[]): Tree {
  const t: Tree = { files: new Set(), dirs: new Set(['']), childFiles: new Map(), childDirs: new Map() };
  const addDir = (dir: string) => {
    while (!t.dirs.has(dir)) {
      t.dirs.add(dir);
      const parent = parentOf(dir);
      const kids = t.childDirs.get(parent);
      if (kids) kids.push(baseName(dir));
      else t.childDirs.set(parent, [baseName(dir)]);
      dir = parent;
    }
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+|\/+$/g, '');
    if (path === '') continue;
    if (e.isDir) {
      addDir(path);
      continue;
    }
    if (t.files.has(path) || !mayMatter(path)) continue;
    t.files.add(path);
    const dir = parentOf(path);
    addDir(dir);
    const kids = t.childFiles.get(dir);
    if (kids) kids.push(baseName(path));
    else t.childFiles.set(dir, [baseName(path)]);
  }
  return t;
}

const join = (dir: string, name: string) => (dir === '' ? name : `${dir}/${name}`);

function filesUnder(t: Tree, dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    for (const f of t.childFiles.get(d) ?? []) out.push(join(d, f));
    for (const c of t.childDirs.get(d) ?? []) stack.push(join(d, c));
  }
  return out;
}

function mlflow(t: Tree, out: DetectedRun[]): void {
  for (const path of t.files) {
    if (baseName(path) !== 'meta.yaml') continue;
    const runDir = parentOf(path);
    const expDir = parentOf(runDir);
    if (runDir === '' || expDir === '') continue;
    const storeDir = parentOf(expDir);
    if (MLFLOW_RESERVED.has(baseName(runDir)) || MLFLOW_RESERVED.has(baseName(expDir))) continue;
    if (runDir.split('/').includes('.trash')) continue; // deleted experiments and runs
    const sub = new Set(t.childDirs.get(runDir) ?? []);
    if (!['metrics', 'params', 'tags'].some((s) => sub.has(s))) continue;
    if (!t.files.has(join(expDir, 'meta.yaml')) && baseName(storeDir) !== 'mlruns') continue;
    const files = [path];
    for (const s of ['metrics', 'params', 'tags']) if (sub.has(s)) files.push(...filesUnder(t, join(runDir, s)));
    let hasInputs = false;
    for (const id of t.childDirs.get(join(runDir, 'inputs')) ?? []) {
      const meta = join(join(runDir, 'inputs'), `${id}/meta.yaml`);
      if (t.files.has(meta)) {
        files.push(meta);
        hasInputs = true;
      }
    }
    if (hasInputs) {
      for (const id of t.childDirs.get(join(expDir, 'datasets')) ?? []) {
        const meta = join(expDir, `datasets/${id}/meta.yaml`);
        if (t.files.has(meta)) files.push(meta);
      }
    }
    if (sub.has('artifacts')) files.push(...filesUnder(t, join(runDir, 'artifacts')).filter((f) => baseName(f) === 'MLmodel'));
    out.push({ format: 'mlflow', path: runDir, files: files.sort() });
  }
}

function tensorboard(t: Tree, out: DetectedRun[]): void {
  for (const [dir, names] of t.childFiles) {
    const events = names.filter((n) => TFEVENTS.test(n));
    if (events.length > 0) out.push({ format: 'tensorboard', path: dir, files: events.map((n) => join(dir, n)).sort() });
  }
}

function hfTrainer(t: Tree, out: DetectedRun[]): void {
  const byOutput = new Map<string, { top: boolean; checkpoints: Array<{ n: number; dir: string }> }>();
  for (const path of t.files) {
    if (baseName(path) !== 'trainer_state.json') continue;
    const dir = parentOf(path);
    const m = CHECKPOINT_DIR.exec(baseName(dir));
    const outDir = m && dir !== '' ? parentOf(dir) : dir;
    const rec = byOutput.get(outDir) ?? { top: false, checkpoints: [] };
    if (m && dir !== '') rec.checkpoints.push({ n: Number(m[1]), dir });
    else rec.top = true;
    byOutput.set(outDir, rec);
  }
  for (const [outDir, rec] of byOutput) {
    rec.checkpoints.sort((a, b) => a.n - b.n);
    const state = rec.top ? join(outDir, 'trainer_state.json') : join((rec.checkpoints.at(-1) as { dir: string }).dir, 'trainer_state.json');
    const files = [state];
    for (const n of t.childFiles.get(outDir) ?? []) if (HF_WEIGHTS.test(n)) files.push(join(outDir, n));
    for (const c of t.childDirs.get(outDir) ?? []) {
      if (!CHECKPOINT_DIR.test(c)) continue;
      for (const n of t.childFiles.get(join(outDir, c)) ?? []) if (HF_WEIGHTS.test(n)) files.push(join(join(outDir, c), n));
    }
    out.push({ format: 'hf-trainer', path: outDir, files: [...new Set(files)].sort() });
  }
}

function lightning(t: Tree, out: DetectedRun[]): void {
  for (const path of t.files) {
    if (baseName(path) !== 'metrics.csv') continue;
    const dir = parentOf(path);
    if (!/^version_\d+$/.test(baseName(dir))) continue;
    const hparams = join(dir, 'hparams.yaml');
    if (baseName(parentOf(dir)) !== 'lightning_logs' && !t.files.has(hparams)) continue;
    const files = [path];
    if (t.files.has(hparams)) files.push(hparams);
    for (const n of t.childFiles.get(join(dir, 'checkpoints')) ?? []) if (/\.ckpt$/i.test(n)) files.push(join(dir, `checkpoints/${n}`));
    out.push({ format: 'lightning', path: dir, files: files.sort() });
  }
}

function ultralytics(t: Tree, out: DetectedRun[]): void {
  for (const path of t.files) {
    if (baseName(path) !== 'results.csv') continue;
    const dir = parentOf(path);
    const args = join(dir, 'args.yaml');
    if (!t.files.has(args)) continue;
    const files = [path, args];
    for (const n of t.childFiles.get(join(dir, 'weights')) ?? []) if (/\.(pt|onnx|engine|torchscript)$/i.test(n)) files.push(join(dir, `weights/${n}`));
    out.push({ format: 'ultralytics', path: dir, files: files.sort() });
  }
}

function dvclive(t: Tree, out: DetectedRun[]): void {
  for (const dir of t.dirs) {
    const names = new Set(t.childFiles.get(dir) ?? []);
    const plots = filesUnder(t, join(dir, 'plots/metrics')).filter((f) => /\.tsv$/i.test(f));
    const named = baseName(dir) === 'dvclive';
    if (!(named && (names.has('metrics.json') || plots.length > 0)) && !(names.has('metrics.json') && plots.length > 0)) continue;
    const files = [...plots];
    for (const n of ['metrics.json', 'params.yaml']) if (names.has(n)) files.push(join(dir, n));
    out.push({ format: 'dvclive', path: dir, files: files.sort() });
  }
}

/** Keras CSVLogger files: conservative names, or a *log*.csv next to a Keras model file. */
function kerasCsv(t: Tree, out: DetectedRun[], taken: Set<string>): void {
  for (const path of t.files) {
    const name = baseName(path);
    const dir = parentOf(path);
    if (taken.has(dir) || /(^|\/)(data|datasets?)(\/|$)/i.test(dir)) continue;
    let ok = KERAS_LOG_STRICT.test(name);
    if (!ok && /log/i.test(name) && /\.csv$/i.test(name)) {
      ok = (t.childFiles.get(dir) ?? []).some((n) => KERAS_MODEL.test(n));
    }
    if (!ok) continue;
    taken.add(dir);
    out.push({ format: 'keras-csv', path: dir, files: [path] });
  }
}

/** Runs found in a catalog file list (sorted by path). */
export function detectRuns(files: CatalogFile[]): DetectedRun[] {
  const t = buildTree(files);
  const found: DetectedRun[] = [];
  mlflow(t, found);
  hfTrainer(t, found);
  lightning(t, found);
  ultralytics(t, found);
  dvclive(t, found);
  const taken = new Set(found.map((r) => r.path));
  kerasCsv(t, found, taken);
  const tb: DetectedRun[] = [];
  tensorboard(t, tb);

  const byPath = new Map<string, DetectedRun>();
  for (const r of [...found].sort((a, b) => PRIORITY.indexOf(a.format) - PRIORITY.indexOf(b.format))) {
    if (!byPath.has(r.path)) byPath.set(r.path, r);
  }
  for (const r of tb) {
    const host = byPath.get(r.path);
    if (host) host.files = [...new Set([...host.files, ...r.files])].sort();
    else byPath.set(r.path, r);
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
