// The P1/P2 share: exactly 20,000 files in exactly 2,000 folders (the root not counted), shaped like a
// small team's NAS: copies of the demo library (MLflow store, HF folder, Lightning checkpoints, GGUF,
// ONNX, Parquet — real files the header readers parse; as many copies as fit in ~1,200 folders and
// ~3,000 files, up to 20, since the demo grows), a flat camera dump of 3,000 photos
// (a folder bigger than one QUERY_DIRECTORY buffer), ImageFolder datasets, and experiment folders
// with logs. Photo and log sizes are set with ftruncate (sparse): the listing sees realistic sizes
// without writing gigabytes. Deterministic (seeded).
import { closeSync, cpSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { writeDemoLibrary } from '../../../electron/core/demo/generate';
import { Prng } from '../../../electron/core/demo/prng';

export const TREE_FILES = 20_000;
export const TREE_FOLDERS = 2_000;
const MAX_DEMO_COPIES = 20;
const DEMO_FOLDER_BUDGET = 1_200;
const DEMO_FILE_BUDGET = 3_000;
const DUMP_FILES = 3_000;
const EXPERIMENTS = 100;
const DATASETS = ['street-signs', 'pets-v2', 'defects-line3', 'xray-chest', 'receipts-ocr', 'crops-2026'];
const SPLITS = ['train', 'val', 'test'];

export interface TreeStats {
  files: number;
  folders: number;
  demoCopies: number;
  /** Files a header reader or sidecar parser will open on a cold index. */
  demoFiles: number;
  logicalBytes: number;
  ms: number;
}

class Counter {
  files = 0;
  folders = 0;
  bytes = 0;
}

function mkdir(c: Counter, dir: string): void {
  mkdirSync(dir);
  c.folders++;
}

function sparseFile(c: Counter, file: string, size: number, head?: string): void {
  const fd = openSync(file, 'w');
  try {
    if (head) writeSync(fd, head);
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  c.files++;
  c.bytes += size;
}

/** A file of about `size` bytes made of whole copies of `unit` (records stay intact). */
function repeatedFile(c: Counter, file: string, unit: Buffer, size: number, head?: Buffer): void {
  const copies = Math.max(1, Math.round((size - (head?.length ?? 0)) / unit.length));
  const data = Buffer.concat([...(head ? [head] : []), ...Array.from({ length: copies }, () => unit)]);
  const fd = openSync(file, 'w');
  try {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
  } finally {
    closeSync(fd);
  }
  c.files++;
  c.bytes += data.length;
}

/** The first file under `dir` whose name matches (depth-first), or null. */
function findIn(dir: string, test: (name: string) => boolean): string | null {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) {
      const hit = findIn(full, test);
      if (hit) return hit;
    } else if (test(d.name)) return full;
  }
  return null;
}

function countTree(dir: string, c: Counter): void {
  // Counts what writeDemoLibrary produced (it makes its own folders).
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) {
      c.folders++;
      countTree(full, c);
    } else {
      c.files++;
      c.bytes += statSync(full).size;
    }
  }
}

export async function writeShareTree(root: string): Promise<TreeStats> {
  const started = performance.now();
  const rng = new Prng(0x5eed2026);
  const c = new Counter();

  // 1. Demo library copies: write one, copy it (cpSync keeps the demo's timestamps).
  mkdir(c, path.join(root, 'projects'));
  const first = path.join(root, 'projects', 'p00');
  await writeDemoLibrary(first);
  const one = new Counter();
  countTree(first, one);
  const copies = Math.max(1, Math.min(MAX_DEMO_COPIES, Math.floor(DEMO_FOLDER_BUDGET / (one.folders + 1)), Math.floor(DEMO_FILE_BUDGET / one.files)));
  for (let i = 1; i < copies; i++) {
    cpSync(first, path.join(root, 'projects', `p${String(i).padStart(2, '0')}`), { recursive: true, preserveTimestamps: true });
  }
  const demo = new Counter();
  countTree(path.join(root, 'projects'), demo);
  c.files += demo.files;
  c.folders += demo.folders;
  c.bytes += demo.bytes;

  // 2. A flat camera dump: one folder bigger than a single listing buffer.
  mkdir(c, path.join(root, 'datasets'));
  const dump = path.join(root, 'datasets', 'raw-dump-2026-04');
  mkdir(c, dump);
  for (let i = 0; i < DUMP_FILES; i++) {
    const day = 1 + (i % 28);
    sparseFile(c, path.join(dump, `IMG_202604${String(day).padStart(2, '0')}_${String(rng.int(80000, 235959)).padStart(6, '0')}_${String(i).padStart(4, '0')}.jpg`), rng.int(1_500_000, 6_000_000));
  }

  // 3. Experiments: config, log, metrics CSV and a TensorBoard event file each. Event records and
  // CSV rows come from the demo library when it has them (else sparse stand-ins of the same size).
  const tfevents = findIn(first, (n) => /^events\.out\.tfevents\.\d+\.[^.]+\.\d+\.\d+$/.test(n));
  const csv = findIn(first, (n) => n === 'metrics.csv');
  const eventUnit = tfevents ? readFileSync(tfevents) : null;
  const csvLines = csv ? readFileSync(csv, 'utf8').split('\n') : null;
  const csvHead = csvLines ? Buffer.from(`${csvLines[0]}\n`) : null;
  const csvUnit = csvLines ? Buffer.from(`${csvLines.slice(1).filter(Boolean).join('\n')}\n`) : null;
  mkdir(c, path.join(root, 'experiments'));
  for (let i = 0; i < EXPERIMENTS; i++) {
    const exp = path.join(root, 'experiments', `exp-${String(i).padStart(3, '0')}-${rng.pick(['lr-sweep', 'baseline', 'aug-heavy', 'distill', 'long-run'])}`);
    mkdir(c, exp);
    mkdir(c, path.join(exp, 'logs'));
    sparseFile(c, path.join(exp, 'config.yaml'), 600, `seed: ${i}\nlr: ${rng.pick(['1e-3', '3e-4', '1e-4'])}\nepochs: ${rng.int(5, 50)}\n`);
    sparseFile(c, path.join(exp, 'train.log'), rng.int(20_000, 2_000_000));
    const csvFile = path.join(exp, 'logs', 'metrics.csv');
    if (csvHead && csvUnit && csvUnit.length > 1) repeatedFile(c, csvFile, csvUnit, rng.int(5_000, 400_000), csvHead);
    else sparseFile(c, csvFile, rng.int(5_000, 400_000), 'epoch,step,loss,val_loss\n');
    const eventFile = path.join(exp, 'logs', `events.out.tfevents.17${rng.int(10000000, 99999999)}.gpu-box-${rng.int(1, 4)}.${rng.int(1000, 99999)}.0`);
    if (eventUnit) repeatedFile(c, eventFile, eventUnit, rng.int(20_000, 2_000_000));
    else sparseFile(c, eventFile, rng.int(20_000, 2_000_000));
  }

  // 4. ImageFolder datasets fill the remaining folders and files exactly.
  const splitDirs: string[] = [];
  for (const ds of DATASETS) {
    mkdir(c, path.join(root, 'datasets', ds));
    for (const s of SPLITS) {
      const d = path.join(root, 'datasets', ds, s);
      mkdir(c, d);
      splitDirs.push(d);
    }
  }
  const classDirs = TREE_FOLDERS - c.folders;
  const images = TREE_FILES - c.files;
  if (classDirs <= 0 || images < classDirs) throw new Error(`share tree parameters do not fit (${c.folders} folders, ${c.files} files before datasets)`);
  const labels = ['cat', 'dog', 'stop', 'yield', 'scratch', 'dent', 'ok', 'café', 'näher', '日本', 'receipt', 'leaf'];
  for (let k = 0; k < classDirs; k++) {
    const d = path.join(splitDirs[k % splitDirs.length]!, `${labels[k % labels.length]}_${String(k).padStart(3, '0')}`);
    mkdir(c, d);
    const n = Math.floor(images / classDirs) + (k < images % classDirs ? 1 : 0);
    for (let j = 0; j < n; j++) sparseFile(c, path.join(d, `${String(j).padStart(5, '0')}.${j % 5 === 0 ? 'png' : 'jpg'}`), rng.int(8_000, 250_000));
  }
  if (c.files !== TREE_FILES || c.folders !== TREE_FOLDERS) throw new Error(`share tree has ${c.files} files / ${c.folders} folders`);
  return { files: c.files, folders: c.folders, demoCopies: copies, demoFiles: demo.files, logicalBytes: c.bytes, ms: performance.now() - started };
}
