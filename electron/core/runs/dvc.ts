// Lineage that DVC pipelines write down: each stage's deps → outs (dvc.lock, else dvc.yaml), with
// paths relative to the dvc.yaml folder (and the stage's wdir), and `.dvc` files of imports
// (`dvc import` / `import-url`: deps name where the data came from). Commands are never run.
import type { CatalogFile, LineageHint, RunFileReader } from './types';
import { RunBudget, asRecord, baseName, clip, parentOf, parseYamlSafe, resolveRel, text } from './util';

const DVC_FILE_CAP = 2 * 1024 * 1024;
const DVC_TOTAL_CAP = 32 * 1024 * 1024;
const MODEL_PATH = /\.(safetensors|gguf|onnx|pt|pth|ckpt|h5|keras|tflite|mlmodel|joblib|pkl|bin|pb)$|(^|\/)(models?|checkpoints?|weights)(\/|$)|model/i;
const DATA_PATH = /\.(parquet|arrow|feather|csv|tsv|jsonl?|txt|zip|tar|gz)$|(^|\/)(data|datasets?|raw|prepared|processed|features)(\/|$)|dataset/i;
const CODE_OR_CONFIG = /\.(py|ipynb|sh|r|jl|js|ts|m|scala|java|toml|cfg|ini|lock)$|(^|\/)(params\.ya?ml|requirements[^/]*\.txt|Makefile|Dockerfile)$/i;

type Entry = { path: string };

/** deps/outs entries: strings, {path: …} objects (dvc.lock) or {<path>: {cache: false}} maps (dvc.yaml). */
function pathsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list.slice(0, 10_000)) {
    if (typeof item === 'string') out.push(item);
    else {
      const rec = asRecord(item);
      if (!rec) continue;
      if (typeof rec.path === 'string') out.push((rec as Entry).path);
      else {
        const keys = Object.keys(rec);
        if (keys.length === 1) out.push(keys[0] as string);
      }
    }
  }
  return out;
}

function stagesOf(doc: Record<string, unknown>): Record<string, unknown> {
  const stages = asRecord(doc.stages);
  if (stages) return stages;
  // dvc.lock 1.x: stages at the top level, no schema key.
  return doc.schema === undefined ? doc : {};
}

function ref(dir: string, p: string): string {
  const clean = p.trim();
  const rel = resolveRel(dir, clean);
  return rel === null || rel === '' ? `external:${clip(clean, 500)}` : rel;
}

function edgesFor(dir: string, file: string, name: string, stage: Record<string, unknown>, out: LineageHint[]): void {
  const wdir = typeof stage.wdir === 'string' ? resolveRel(dir, stage.wdir) : dir;
  const base = wdir ?? dir;
  const deps = pathsOf(stage.deps).filter((d) => !CODE_OR_CONFIG.test(d));
  const outs = pathsOf(stage.outs);
  const evidence = `from ${file} stage ${clip(name, 200)}`;
  for (const d of deps) {
    const from = ref(base, d);
    for (const o of outs) {
      const to = ref(base, o);
      if (from === to) continue;
      const relation = MODEL_PATH.test(o) && !MODEL_PATH.test(d) && DATA_PATH.test(d) ? 'trained-on' : 'derived-from';
      out.push({ from, to, relation, evidence });
    }
  }
}

export async function readDvcLineage(src: RunFileReader, files: CatalogFile[]): Promise<LineageHint[]> {
  const b = new RunBudget(src, DVC_TOTAL_CAP);
  const hints: LineageHint[] = [];
  const paths = new Set(files.filter((f) => !f.isDir).map((f) => f.path));
  const read = async (path: string): Promise<Record<string, unknown> | null> => {
    try {
      const { bytes, complete } = await b.readFile(path, DVC_FILE_CAP);
      if (!complete) return null;
      return asRecord(parseYamlSafe(text(bytes), baseName(path)).value);
    } catch (err) {
      if (b.isSourceError(err)) throw err;
      return null;
    }
  };

  const projectDirs = new Set<string>();
  for (const p of paths) {
    if (/(^|\/)\.dvc\//.test(p)) continue;
    const name = baseName(p);
    if (name === 'dvc.yaml' || name === 'dvc.lock') projectDirs.add(parentOf(p));
  }
  for (const dir of [...projectDirs].sort()) {
    const lockPath = dir ? `${dir}/dvc.lock` : 'dvc.lock';
    const yamlPath = dir ? `${dir}/dvc.yaml` : 'dvc.yaml';
    const lock = paths.has(lockPath) ? await read(lockPath) : null;
    const yaml = paths.has(yamlPath) ? await read(yamlPath) : null;
    const lockStages = lock ? stagesOf(lock) : {};
    const yamlStages = yaml ? asRecord(yaml.stages) ?? {} : {};
    for (const [name, stage] of Object.entries(lockStages)) {
      const s = asRecord(stage);
      if (!s) continue;
      // dvc.lock has no wdir: the stage's wdir comes from dvc.yaml.
      const wdir = asRecord(yamlStages[name.split('@')[0] as string])?.wdir;
      edgesFor(dir, 'dvc.lock', name, wdir !== undefined ? { ...s, wdir } : s, hints);
    }
    for (const [name, stage] of Object.entries(yamlStages)) {
      const s = asRecord(stage);
      if (!s || name in lockStages || s.foreach !== undefined || s.matrix !== undefined) continue;
      edgesFor(dir, 'dvc.yaml', name, s, hints);
    }
  }

  for (const p of [...paths].sort()) {
    if (!p.endsWith('.dvc') || /(^|\/)\.dvc\//.test(p)) continue;
    const doc = await read(p);
    if (!doc) continue;
    const dir = parentOf(p);
    const deps = Array.isArray(doc.deps) ? doc.deps : [];
    const outs = pathsOf(doc.outs);
    for (const d of deps.slice(0, 100)) {
      const rec = asRecord(d);
      if (!rec || typeof rec.path !== 'string') continue;
      const repo = asRecord(rec.repo);
      const from = typeof repo?.url === 'string' ? `external:${clip(`${repo.url}/${rec.path}`, 500)}` : ref(dir, rec.path);
      for (const o of outs) {
        hints.push({ from, to: ref(dir, o), relation: 'derived-from', evidence: `from ${baseName(p)} (dvc import)` });
      }
    }
  }

  const seen = new Set<string>();
  return hints.filter((h) => {
    const k = `${h.from}|${h.to}|${h.relation}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
