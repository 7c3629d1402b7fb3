// Where each file of a version goes in an exported bundle, per layout. Pure: paths in, paths out.
//   bundle    the version's folder as it is, plus the card, lineage, metrics and manifest
//   hf        Hugging Face: the version's model folder (the one holding config.json) at the top,
//             README.md card
//   mlflow    an MLflow model folder: MLmodel at the top (the version's own, or a generated one
//             listing the files under artifacts/)
//   lmstudio  <publisher>/<model>/<file>.gguf, the folder layout LM Studio's model directory uses
import type { ExportLayout } from '../../../shared/contract';
import { EngineError } from '../errors';
import { safeRelativePath, safeSegment, UniquePaths } from './safe-path';

export const MANIFEST_NAME = 'MANIFEST.sha256';
export const CARD_NAME = 'README.md';
export const LINEAGE_NAME = 'lineage.json';
export const METRICS_NAME = 'metrics.csv';
export const MLMODEL_NAME = 'MLmodel';

export interface PlanInput {
  itemName: string;
  versionLabel: string;
  /** Source-relative folder (or file) of the version. */
  versionPath: string;
  files: ReadonlyArray<{ path: string; size: number; mtimeMs?: number | null }>;
  layout: ExportLayout;
  /** LM Studio's first folder level (the team or source name). */
  publisher: string;
  hasMetrics: boolean;
}

export interface PlannedCopy {
  /** Source-relative path on the share. */
  src: string;
  /** Safe path inside the bundle, '/'-separated. */
  dest: string;
  size: number;
  mtimeMs: number | null;
}

export interface BundlePlan {
  /** Safe path of the bundle folder relative to the destination ('name-3', or 'publisher/model'). */
  target: string;
  copies: PlannedCopy[];
  /** Generated files, in the order they are written (the manifest last). */
  generated: string[];
  /** The mlflow layout found no MLmodel in the version and writes one. */
  generateMlmodel: boolean;
}

// Files a Hugging Face loader looks for at the top of a model folder (model_index.json is a
// diffusers pipeline's: its parts keep their own config.json in unet/, vae/, …).
const HF_TOP =
  /^(config\.json|model_index\.json|generation_config\.json|preprocessor_config\.json|processor_config\.json|adapter_config\.json|tokenizer(_config)?\.json|special_tokens_map\.json|added_tokens\.json|vocab\.(json|txt)|merges\.txt|tokenizer\.model|spiece\.model|sentencepiece\.bpe\.model|chat_template\.(json|jinja)|.*\.safetensors(\.index\.json)?|pytorch_model.*\.bin(\.index\.json)?|adapter_model\.(bin|safetensors))$/i;

// The file that makes a folder the one a loader is pointed at: a model's or a PEFT adapter's
// config, or a diffusers pipeline's index.
const HF_FOLDER_MARK = /^(config\.json|adapter_config\.json|model_index\.json)$/i;

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function commonDir(paths: string[]): string {
  if (paths.length === 0) return '';
  let prefix = parentOf(paths[0] as string);
  for (const p of paths) while (prefix !== '' && !p.startsWith(`${prefix}/`)) prefix = parentOf(prefix);
  return prefix;
}

function relativeTo(dir: string, p: string): string {
  return dir === '' ? p : p.slice(dir.length + 1);
}

function under(dir: string, p: string): boolean {
  return dir === '' || p.startsWith(`${dir}/`);
}

/** The folder a version's files are relative to: its folder, or the folder of a one-file version. */
export function versionRoot(versionPath: string, files: ReadonlyArray<{ path: string }>): string {
  if (files.some((f) => under(versionPath, f.path) && f.path !== versionPath)) return versionPath;
  if (files.some((f) => f.path === versionPath)) return parentOf(versionPath);
  return commonDir(files.map((f) => f.path));
}

export function bundleName(itemName: string, versionLabel: string): string {
  return safeSegment(versionLabel === 'current' ? itemName : `${itemName}-${versionLabel}`);
}

export function planBundle(input: PlanInput): BundlePlan {
  const root = versionRoot(input.versionPath, input.files);
  const inside = input.files.filter((f) => under(root, f.path));
  const outside = input.files.filter((f) => !under(root, f.path));
  const outsideBase = outside.length === 1 ? parentOf((outside[0] as { path: string }).path) : commonDir(outside.map((f) => f.path));
  // Wanted destination (before sanitising) for every file, by layout.
  let wanted: Array<{ src: string; size: number; mtimeMs: number | null; dest: string; rank: number }> = [
    ...inside.map((f) => ({ src: f.path, size: f.size, mtimeMs: f.mtimeMs ?? null, dest: relativeTo(root, f.path), rank: 1 })),
    ...outside.map((f) => ({ src: f.path, size: f.size, mtimeMs: f.mtimeMs ?? null, dest: `extra/${relativeTo(outsideBase, f.path)}`, rank: 2 })),
  ];
  let target = bundleName(input.itemName, input.versionLabel);
  let generateMlmodel = false;

  switch (input.layout) {
    case 'bundle':
      break;
    case 'hf': {
      // A loader reads one folder: config.json, weights and tokenizer files at its top, and
      // sub-folders with a config of their own (diffusers' unet/, a checkpoint-500/) by name. So
      // the bundle's top is the version's model folder, never files gathered by name from
      // folders that are models of their own (that put a checkpoint's weights in place of the
      // model's).
      const own = wanted.filter((w) => w.rank < 2);
      const marked = new Set(own.filter((w) => HF_FOLDER_MARK.test(baseName(w.dest))).map((w) => parentOf(w.dest)));
      // The model folder: the version's own when it has a marker or any top-level model file,
      // else the shallowest folder with a marker (ties: first by path).
      const dir = marked.has('') || own.some((w) => !w.dest.includes('/') && HF_TOP.test(w.dest))
        ? ''
        : [...marked].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0))[0];
      if (dir === undefined) break;
      const pipeline = own.some((w) => parentOf(w.dest) === dir && baseName(w.dest).toLowerCase() === 'model_index.json');
      /** A file in a plain sub-folder of the model folder (weights/, tokenizer/), not in one with its own config. */
      const liftable = (rel: string): boolean => {
        if (pipeline || !rel.includes('/') || !HF_TOP.test(baseName(rel))) return false;
        for (let d = parentOf(rel); d !== ''; d = parentOf(d)) if (marked.has(dir === '' ? d : `${dir}/${d}`)) return false;
        return true;
      };
      // Names already at the model folder's top keep them; a lifted file takes a free name only.
      const top = new Set(own.filter((w) => under(dir, w.dest) && !relativeTo(dir, w.dest).includes('/')).map((w) => baseName(w.dest).toLowerCase()));
      wanted = wanted.map((w) => {
        if (w.rank === 2) return w; // outside the version folder: already under extra/
        // The rest of the version goes under extra/ (as in the mlflow layout): nothing beside the
        // model's files sits at the top where a loader could take it for one of them.
        if (!under(dir, w.dest)) return { ...w, dest: `extra/${w.dest}` };
        const rel = relativeTo(dir, w.dest);
        const name = baseName(rel);
        if (liftable(rel) && !top.has(name.toLowerCase())) {
          top.add(name.toLowerCase());
          return { ...w, dest: name, rank: 0 };
        }
        return { ...w, dest: rel, rank: 0 };
      });
      break;
    }
    case 'mlflow': {
      const mlmodel = wanted
        .filter((w) => baseName(w.dest) === MLMODEL_NAME)
        .sort((a, b) => a.rank - b.rank || a.dest.split('/').length - b.dest.split('/').length)[0];
      if (mlmodel) {
        const dir = parentOf(mlmodel.dest);
        wanted = wanted.map((w) =>
          w.rank < 2 && under(dir, w.dest) ? { ...w, dest: relativeTo(dir, w.dest), rank: 0 } : { ...w, dest: `extra/${w.dest.replace(/^extra\//, '')}` },
        );
      } else {
        generateMlmodel = true;
        wanted = wanted.map((w) => ({ ...w, dest: `artifacts/${w.dest}` }));
      }
      break;
    }
    case 'lmstudio': {
      wanted = wanted.filter((w) => /\.gguf$/i.test(w.src)).map((w) => ({ ...w, dest: baseName(w.src), rank: 0 }));
      if (wanted.length === 0) {
        throw new EngineError('UNSUPPORTED', `LM Studio loads GGUF files, and ${input.itemName} ${input.versionLabel} has none. Choose another layout.`);
      }
      target = `${safeSegment(input.publisher)}/${safeSegment(input.versionLabel === 'current' ? input.itemName : `${input.itemName}-${input.versionLabel}`)}`;
      break;
    }
  }

  const taken = new UniquePaths();
  const generated = [CARD_NAME, LINEAGE_NAME, ...(input.hasMetrics ? [METRICS_NAME] : []), ...(generateMlmodel ? [MLMODEL_NAME] : [])];
  for (const g of [...generated, MANIFEST_NAME]) taken.reserve(g);
  // Stable order: top-level layout files first, then by path; a file whose name is taken by a
  // generated one (the version's own README.md) is kept as README.source.md.
  wanted.sort((a, b) => a.rank - b.rank || (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0));
  const copies = wanted.map((w) => {
    let dest = safeRelativePath(w.dest);
    if (generated.includes(dest) || dest === MANIFEST_NAME) {
      const dot = dest.lastIndexOf('.');
      dest = dot > 0 ? `${dest.slice(0, dot)}.source${dest.slice(dot)}` : `${dest}.source`;
    }
    return { src: w.src, dest: taken.take(dest), size: w.size, mtimeMs: w.mtimeMs };
  });
  return { target, copies, generated: [...generated, MANIFEST_NAME], generateMlmodel };
}
