// Turns the flat list of files on a source into models and datasets with versions. Pure: it sees
// only catalog rows (paths, sizes, times, and what the header readers and sidecar parsers found).
// Rules run from the most specific layout to the most generic; a file claimed by one rule is not
// offered to the next, so an MLflow registry version is not also listed as a stray pickle.
import type { GroupedItem, GroupedVersion, StoredEntry } from '../catalog/catalog';

const MODEL_EXT = /\.(safetensors|gguf|onnx|pt|pth|ckpt|h5|keras|tflite|mlmodel|joblib|bin|pb|msgpack)$/i;
const STRONG_MODEL_EXT = /\.(safetensors|gguf|onnx|pt|pth|ckpt|keras|tflite|mlmodel)$/i;
const DATA_EXT = /\.(parquet|arrow|feather|csv|tsv|jsonl)$/i;
const COLUMNAR_EXT = /\.(parquet|arrow|feather)$/i;
const IMAGE_EXT = /\.(png|jpe?g|gif|bmp|webp|tiff?)$/i;
const SHARD = /-\d{5}-of-\d{5}\.[a-z]+$/i;
const VERSION_DIR = /^(v\d+(?:[._-]\d+)*|version[_-]?\d+|\d{4}-\d{2}-\d{2}(?:[_T-].*)?|rev[_-]?\d+|checkpoint[-_]\d+|final(?:[-_]v?\d+)?)$/i;

interface Index {
  entries: StoredEntry[];
  /**
   * What the rules look up by path: folders, files with header or sidecar data, and the names
   * whose mere presence counts (args.yaml, results.csv). A map of every entry cost ~30 MB (and a
   * rehash peak) per million files.
   */
  lookup: Map<string, StoredEntry>;
  children: Map<string, StoredEntry[]>;
  claimed: Set<string>;
}

const LOOKED_UP_BY_NAME = new Set(['args.yaml', 'results.csv']);

function buildIndex(entries: StoredEntry[]): Index {
  const lookup = new Map<string, StoredEntry>();
  const children = new Map<string, StoredEntry[]>();
  for (const e of entries) {
    if (e.isDir || e.meta !== null || LOOKED_UP_BY_NAME.has(e.name)) lookup.set(e.path, e);
    const list = children.get(e.parent);
    if (list) list.push(e);
    else children.set(e.parent, [e]);
  }
  return { entries, lookup, children, claimed: new Set() };
}

function filesUnder(ix: Index, dir: string): StoredEntry[] {
  const out: StoredEntry[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    for (const c of ix.children.get(d) ?? []) {
      if (c.isDir) stack.push(c.path);
      else out.push(c);
    }
  }
  return out;
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function stem(name: string): string {
  return name.replace(/\.[^.]+$/, '');
}

function formatMeta(e: StoredEntry | undefined): Record<string, unknown> {
  const m = e?.meta?.metadata;
  return m && typeof m === 'object' ? (m as Record<string, unknown>) : {};
}

function sidecar(ix: Index, path: string): Record<string, unknown> | null {
  const e = ix.lookup.get(path);
  return e?.meta ? formatMeta(e) : null;
}

/** The file that best represents a version: the largest recognised model (or data) file. */
function mainFile(files: StoredEntry[], pattern = MODEL_EXT): StoredEntry | undefined {
  return files.filter((f) => pattern.test(f.name)).sort((a, b) => b.size - a.size)[0];
}

function formatOf(main: StoredEntry | undefined): string {
  if (!main) return 'folder';
  if (main.format) return main.format;
  const ext = /\.([^.]+)$/.exec(main.name)?.[1]?.toLowerCase();
  return ext ?? 'file';
}

function versionFrom(ix: Index, label: string, path: string, files: StoredEntry[], extra: Partial<GroupedVersion> = {}): GroupedVersion {
  const main = mainFile(files) ?? mainFile(files, DATA_EXT);
  const dir = files.length > 0 ? commonDir(files.map((f) => f.path)) : path;
  const config = sidecar(ix, dir ? `${dir}/config.json` : 'config.json');
  const card = sidecar(ix, dir ? `${dir}/README.md` : 'README.md');
  const adapter = sidecar(ix, dir ? `${dir}/adapter_config.json` : 'adapter_config.json');
  const meta: Record<string, unknown> = { ...formatMeta(main) };
  if (config) meta.config = config;
  if (adapter) meta.adapter = adapter;
  if (card) meta.card = card;
  if (main) meta.mainFile = main.path;
  const warnings = main?.meta?.warnings;
  if (Array.isArray(warnings) && warnings.length > 0) meta.warnings = warnings;
  for (const f of files) ix.claimed.add(f.path);
  return {
    label,
    path,
    createdMs: files.length ? Math.max(...files.map((f) => f.mtimeMs)) : null,
    format: formatOf(main),
    stage: null,
    aliases: [],
    meta,
    // The entries themselves (they have path, size, mtimeMs): no second object per file.
    files,
    ...extra,
  };
}

function commonDir(paths: string[]): string {
  if (paths.length === 0) return '';
  let prefix = parentOf(paths[0] as string);
  for (const p of paths) {
    while (prefix !== '' && !(p === prefix || p.startsWith(`${prefix}/`))) prefix = parentOf(prefix);
  }
  return prefix;
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
}

function unclaimed(ix: Index, files: StoredEntry[]): StoredEntry[] {
  return files.filter((f) => !ix.claimed.has(f.path));
}

// ---- rules ----

/** MLflow model registry: <mlruns>/models/<name>/version-<n>/meta.yaml, aliases/<alias>. */
function mlflowRegistry(ix: Index, items: GroupedItem[]): void {
  for (const e of ix.entries) {
    if (e.format !== 'mlflow-model-meta') continue;
    const modelDir = e.parent;
    const mlrunsRoot = parentOf(parentOf(modelDir));
    const name = (formatMeta(e).name as string | undefined) ?? baseName(modelDir);
    const aliasesByVersion = new Map<string, string[]>();
    for (const a of ix.children.get(`${modelDir}/aliases`) ?? []) {
      const v = String(formatMeta(a).version ?? '');
      aliasesByVersion.set(v, [...(aliasesByVersion.get(v) ?? []), a.name]);
      ix.claimed.add(a.path);
    }
    const versions: GroupedVersion[] = [];
    const versionDirs = (ix.children.get(modelDir) ?? []).filter((c) => c.isDir && /^version-\d+$/.test(c.name));
    versionDirs.sort((a, b) => naturalCompare(a.name, b.name));
    for (const vd of versionDirs) {
      const vmeta = sidecar(ix, `${vd.path}/meta.yaml`) ?? {};
      const number = String(vmeta.version ?? vd.name.slice('version-'.length));
      const artifactDir = resolveMlflowSource(ix, mlrunsRoot, String(vmeta.source ?? ''));
      const files = [...filesUnder(ix, vd.path), ...(artifactDir !== null ? filesUnder(ix, artifactDir) : [])];
      const mlmodel = artifactDir !== null ? sidecar(ix, `${artifactDir}/MLmodel`) : null;
      const stage = typeof vmeta.current_stage === 'string' && vmeta.current_stage !== 'None' ? vmeta.current_stage : null;
      const created = Number(vmeta.creation_timestamp);
      const weights = files.filter((f) => !/(^|\/)(meta\.yaml|MLmodel)$/.test(f.path) && f.parent !== `${vd.path}`);
      const v = versionFrom(ix, number, artifactDir ?? vd.path, files, {
        stage,
        aliases: aliasesByVersion.get(number) ?? [],
        createdMs: Number.isFinite(created) && created > 0 ? created : null,
      });
      v.meta = {
        ...formatMeta(mainFile(weights)),
        ...v.meta,
        ...(mlmodel ? { mlflow: mlmodel } : {}),
        ...(vmeta.run_id ? { runId: vmeta.run_id } : {}),
        ...(vmeta.description ? { description: vmeta.description } : {}),
      };
      const flavors = mlmodel?.flavors;
      if (Array.isArray(flavors) && flavors.length > 0 && v.format === 'folder') {
        v.format = `mlflow/${flavors.filter((f) => f !== 'python_function')[0] ?? flavors[0]}`;
      }
      versions.push(v);
    }
    ix.claimed.add(e.path);
    items.push({
      kind: 'model',
      name,
      path: modelDir,
      layout: 'mlflow-registry',
      format: versions.at(-1)?.format ?? 'mlflow',
      versions,
    });
  }
}

/** Maps an MLflow `source` URI (file:///…/mlruns/1/<run>/artifacts/model, mlflow-artifacts:/…) onto the share. */
function resolveMlflowSource(ix: Index, mlrunsRoot: string, source: string): string | null {
  const m = /(?:^|\/)mlruns\/(.+)$/.exec(source) ?? /^mlflow-artifacts:\/(.+)$/.exec(source);
  if (!m?.[1]) return null;
  const rel = m[1].replace(/\/+$/, '');
  const candidate = mlrunsRoot ? `${mlrunsRoot}/${rel}` : rel;
  const hit = ix.lookup.get(candidate);
  return hit?.isDir ? candidate : null;
}

/**
 * Hugging Face hub cache: models--<org>--<name>/snapshots/<commit>/… with refs/<branch> naming a
 * commit. Each snapshot is a version (labelled by its short commit), the refs are its aliases.
 */
function hfCache(ix: Index, items: GroupedItem[]): void {
  for (const e of ix.entries) {
    const m = /^(models|datasets)--(.+)$/.exec(e.name);
    if (!e.isDir || !m) continue;
    const snapshots = (ix.children.get(`${e.path}/snapshots`) ?? []).filter((c) => c.isDir);
    if (snapshots.length === 0) continue;
    const refs = new Map<string, string[]>();
    for (const r of ix.children.get(`${e.path}/refs`) ?? []) {
      const commit = String(formatMeta(r).commit ?? '');
      if (commit) refs.set(commit, [...(refs.get(commit) ?? []), r.name]);
      ix.claimed.add(r.path);
    }
    snapshots.sort((a, b) => a.mtimeMs - b.mtimeMs || naturalCompare(a.name, b.name));
    const versions = snapshots.map((snap) =>
      versionFrom(ix, snap.name.slice(0, 12), snap.path, unclaimed(ix, filesUnder(ix, snap.path)), { aliases: refs.get(snap.name) ?? [] }),
    );
    // Blobs are the same bytes the snapshots point at: claim them so they are not listed again.
    for (const f of filesUnder(ix, `${e.path}/blobs`)) ix.claimed.add(f.path);
    const kind = m[1] === 'datasets' ? 'dataset' : 'model';
    items.push({
      kind,
      name: (m[2] as string).replace(/--/g, '/'),
      path: e.path,
      layout: 'huggingface-cache',
      format: versions.at(-1)?.format ?? 'folder',
      versions,
    });
  }
}

/** Lightning: <project>/lightning_logs/version_<n>/{checkpoints/*.ckpt, hparams.yaml, metrics.csv}. */
function lightning(ix: Index, items: GroupedItem[]): void {
  for (const e of ix.entries) {
    if (!e.isDir || e.name !== 'lightning_logs') continue;
    const runs = (ix.children.get(e.path) ?? []).filter((c) => c.isDir && /^version_\d+$/.test(c.name));
    runs.sort((a, b) => naturalCompare(a.name, b.name));
    const versions: GroupedVersion[] = [];
    for (const run of runs) {
      const files = unclaimed(ix, filesUnder(ix, run.path));
      if (!files.some((f) => /\.ckpt$/i.test(f.name))) continue;
      const v = versionFrom(ix, run.name, run.path, files);
      const hparams = sidecar(ix, `${run.path}/hparams.yaml`);
      if (hparams) v.meta.hyperparameters = hparams;
      versions.push(v);
    }
    if (versions.length === 0) continue;
    const project = e.parent === '' ? 'lightning' : baseName(e.parent);
    items.push({ kind: 'model', name: project, path: e.path, layout: 'lightning', format: versions.at(-1)?.format ?? 'ckpt', versions });
  }
}

/** Ultralytics: runs/<task>/<name>[2,3…]/{args.yaml, results.csv, weights/best.pt}. Numbered reruns are versions. */
function ultralytics(ix: Index, items: GroupedItem[]): void {
  const groups = new Map<string, StoredEntry[]>();
  for (const e of ix.entries) {
    if (!e.isDir || e.name !== 'weights') continue;
    const run = ix.lookup.get(e.parent);
    if (!run) continue;
    const hasRunFiles = ix.lookup.has(`${run.path}/args.yaml`) || ix.lookup.has(`${run.path}/results.csv`);
    if (!hasRunFiles || !(ix.children.get(e.path) ?? []).some((f) => /\.pt$/i.test(f.name))) continue;
    const key = `${run.parent}/${run.name.replace(/\d+$/, '')}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const [key, runs] of groups) {
    runs.sort((a, b) => naturalCompare(a.name, b.name));
    const versions = runs.map((run) => {
      const files = unclaimed(ix, filesUnder(ix, run.path));
      const best = files.find((f) => f.name === 'best.pt');
      const v = versionFrom(ix, run.name, run.path, files);
      if (best) {
        v.meta = { ...v.meta, ...formatMeta(best), mainFile: best.path };
      }
      const args = sidecar(ix, `${run.path}/args.yaml`);
      if (args) v.meta.hyperparameters = args;
      return v;
    });
    const first = runs[0] as StoredEntry;
    items.push({
      kind: 'model',
      name: baseName(key) || first.name,
      path: first.path,
      layout: 'ultralytics',
      format: 'pytorch',
      versions,
    });
  }
}

/** Every folder entry (without first copying all entries into an array). */
function foldersOf(ix: Index): StoredEntry[] {
  const out: StoredEntry[] = [];
  for (const e of ix.entries) if (e.isDir) out.push(e);
  return out;
}

function isModelFolder(ix: Index, dir: string): boolean {
  const kids = ix.children.get(dir) ?? [];
  const hasConfig = kids.some((k) => k.name === 'config.json' || k.name === 'adapter_config.json' || k.name === 'MLmodel');
  const weights = kids.filter((k) => !k.isDir && MODEL_EXT.test(k.name) && !ix.claimed.has(k.path));
  return weights.length > 0 && (hasConfig || weights.some((w) => SHARD.test(w.name)));
}

/** Version folders: <model>/{v1,v2,2024-05-01,…}/<files>, and Hugging Face style folders (config.json + weights). */
function folders(ix: Index, items: GroupedItem[]): void {
  const dirs = foldersOf(ix).sort((a, b) => b.path.length - a.path.length);
  // First, parents whose children are version folders holding model files.
  for (const parent of dirs) {
    const versionKids = (ix.children.get(parent.path) ?? []).filter(
      (k) => k.isDir && VERSION_DIR.test(k.name) && unclaimed(ix, filesUnder(ix, k.path)).some((f) => MODEL_EXT.test(f.name)),
    );
    if (versionKids.length === 0) continue;
    versionKids.sort((a, b) => naturalCompare(a.name, b.name));
    const versions = versionKids.map((k) => versionFrom(ix, k.name, k.path, unclaimed(ix, filesUnder(ix, k.path))));
    items.push({
      kind: 'model',
      name: parent.name,
      path: parent.path,
      layout: 'version-folders',
      format: versions.at(-1)?.format ?? 'folder',
      versions,
    });
  }
  // Then single model folders (Hugging Face, sharded weights, MLflow model folders).
  for (const dir of dirs) {
    if (!isModelFolder(ix, dir.path)) continue;
    const files = unclaimed(ix, filesUnder(ix, dir.path));
    const layout = (ix.children.get(dir.path) ?? []).some((k) => k.name === 'MLmodel') ? 'mlflow-model' : 'huggingface';
    const v = versionFrom(ix, 'current', dir.path, files);
    items.push({ kind: 'model', name: dir.name, path: dir.path, layout, format: v.format, versions: [v] });
  }
}

/** Datasets: Hugging Face save_to_disk folders, folders of Parquet/Arrow files, image class folders, tables under data/. */
function datasets(ix: Index, items: GroupedItem[]): void {
  const dirs = foldersOf(ix).sort((a, b) => a.path.length - b.path.length);
  for (const dir of dirs) {
    if (ix.claimed.has(dir.path)) continue;
    const kids = ix.children.get(dir.path) ?? [];
    const columnar = kids.filter((k) => !k.isDir && COLUMNAR_EXT.test(k.name) && !ix.claimed.has(k.path));
    const hfDataset = kids.some((k) => k.name === 'dataset_dict.json' || k.name === 'dataset_info.json');
    const coco =
      kids.find((k) => k.format === 'coco') ??
      (ix.children.get(`${dir.path}/annotations`) ?? []).find((k) => k.format === 'coco');
    const yolo = kids.find((k) => k.format === 'yolo-data');
    let format: string | null = null;
    const meta: Record<string, unknown> = {};
    const classDirs = kids.filter((k) => k.isDir);
    const imageCounts = classDirs.map((c) => (ix.children.get(c.path) ?? []).filter((f) => IMAGE_EXT.test(f.name)).length);
    if (hfDataset) format = 'hf-dataset';
    else if (columnar.length > 0) {
      format = formatOf(columnar[0]);
      const rows = columnar.reduce((s, f) => s + (Number(formatMeta(f).rows) || 0), 0);
      if (rows > 0) meta.rows = rows;
      const columns = formatMeta(columnar[0]).columns;
      if (columns !== undefined) meta.columns = columns;
      meta.splits = columnar.map((f) => stem(f.name));
    } else if (classDirs.length >= 2 && imageCounts.every((n) => n > 0)) {
      format = 'images';
      meta.classes = classDirs.map((c) => c.name).sort();
      meta.images = imageCounts.reduce((a, b) => a + b, 0);
    } else if (coco) {
      format = 'coco';
      Object.assign(meta, formatMeta(coco));
    } else if (yolo) {
      format = 'yolo';
      Object.assign(meta, formatMeta(yolo));
    }
    if (!format) continue;
    const files = unclaimed(ix, filesUnder(ix, dir.path));
    const v = versionFrom(ix, 'current', dir.path, files);
    v.format = format;
    v.meta = { ...v.meta, ...meta };
    ix.claimed.add(dir.path);
    for (const d of dirs) if (d.path.startsWith(`${dir.path}/`)) ix.claimed.add(d.path);
    items.push({ kind: 'dataset', name: dir.name, path: dir.path, layout: format === 'images' ? 'image-folder' : 'folder', format, versions: [v] });
  }
  // Loose tables under a folder called data/ or datasets/.
  for (const e of ix.entries) {
    if (e.isDir || ix.claimed.has(e.path) || !DATA_EXT.test(e.name)) continue;
    if (!/(^|\/)(data|datasets?)(\/|$)/i.test(e.parent)) continue;
    const v = versionFrom(ix, 'current', e.path, [e]);
    items.push({ kind: 'dataset', name: stem(e.name), path: e.path, layout: 'file', format: v.format, versions: [v] });
  }
}

/** "tiny-llama-Q4_K_M" → ["tiny-llama", "Q4_K_M"]: GGUF quantisations of one base are versions of one model. */
const QUANT_SUFFIX = /^(.*?)[-_.]((?:I?Q\d[A-Z0-9_]*)|F16|F32|BF16)$/i;

function ggufSiblings(ix: Index, items: GroupedItem[]): void {
  const groups = new Map<string, StoredEntry[]>();
  for (const e of ix.entries) {
    if (e.isDir || ix.claimed.has(e.path) || !/\.gguf$/i.test(e.name)) continue;
    const m = QUANT_SUFFIX.exec(stem(e.name));
    const key = `${e.parent}/${(m?.[1] ?? stem(e.name)).toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  for (const files of groups.values()) {
    const first = files[0] as StoredEntry;
    const base = QUANT_SUFFIX.exec(stem(first.name))?.[1];
    if (!base) continue; // no quantisation suffix: looseFiles handles it as a single file
    files.sort((a, b) => b.size - a.size || naturalCompare(a.name, b.name));
    const versions = files.map((f) => versionFrom(ix, QUANT_SUFFIX.exec(stem(f.name))?.[2] ?? stem(f.name), f.path, [f]));
    items.push({ kind: 'model', name: base, path: `${first.parent ? `${first.parent}/` : ''}${base}`, layout: 'gguf-quantisations', format: 'gguf', versions });
  }
}

/** Whatever model files are left: a folder of several checkpoints becomes one model, the rest one each. */
function looseFiles(ix: Index, items: GroupedItem[]): void {
  const byDir = new Map<string, StoredEntry[]>();
  for (const e of ix.entries) {
    if (e.isDir || ix.claimed.has(e.path) || !STRONG_MODEL_EXT.test(e.name)) continue;
    if (/(^|\/)mlruns\//.test(e.path) && !e.path.includes('/artifacts/')) continue;
    byDir.set(e.parent, [...(byDir.get(e.parent) ?? []), e]);
  }
  for (const [dir, files] of byDir) {
    const sameFormat = files.length >= 2 && files.every((f) => formatOf(f) === formatOf(files[0]));
    if (sameFormat) {
      files.sort((a, b) => a.mtimeMs - b.mtimeMs || naturalCompare(a.name, b.name));
      const versions = files.map((f) => versionFrom(ix, stem(f.name), f.path, [f]));
      const name = baseName(dir) === 'checkpoints' && dir.includes('/') ? baseName(parentOf(dir)) : baseName(dir) || 'models';
      items.push({ kind: 'model', name, path: dir, layout: 'checkpoints', format: formatOf(files[0]), versions });
      continue;
    }
    for (const f of files) {
      const v = versionFrom(ix, 'current', f.path, [f]);
      items.push({ kind: 'model', name: stem(f.name), path: f.path, layout: 'file', format: v.format, versions: [v] });
    }
  }
}

export function groupEntries(entries: StoredEntry[]): GroupedItem[] {
  const ix = buildIndex(entries);
  const items: GroupedItem[] = [];
  mlflowRegistry(ix, items);
  hfCache(ix, items);
  lightning(ix, items);
  ultralytics(ix, items);
  folders(ix, items);
  datasets(ix, items);
  ggufSiblings(ix, items);
  looseFiles(ix, items);
  return items;
}
