import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFormat } from '../formats';
import { bufferRange } from '../formats/range-source';
import { readZipDirectory } from '../formats/zip';
import { Catalog } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import { openLocalSource } from '../nas/local-source';
import { runScan } from '../scan/scanner';
import { type CatalogFile, detectRuns, readDvcLineage, readRun } from '../runs';
import { YOLO_DOWNLOAD_CANARY } from './extras';
import { DEMO_NOW, writeDemoLibrary } from './generate';

let dir: string;
let result: { files: number; bytes: number };

async function fmt(rel: string) {
  const bytes = new Uint8Array(await readFile(path.join(dir, rel)));
  const info = await readFormat(rel, bufferRange(bytes));
  expect(info, rel).not.toBeNull();
  return info as NonNullable<typeof info>;
}

async function listAll(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) out.push(...(await listAll(p)));
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'modelshelf-demo-'));
  result = await writeDemoLibrary(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeDemoLibrary', () => {
  it('writes a few MB of files and reports them', async () => {
    const files = await listAll(dir);
    expect(result.files).toBe(files.length);
    let total = 0;
    for (const f of files) total += (await stat(f)).size;
    expect(result.bytes).toBe(total);
    expect(total).toBeGreaterThan(500_000);
    expect(total).toBeLessThan(5_000_000);
  });

  it('is deterministic', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'modelshelf-demo2-'));
    try {
      const r2 = await writeDemoLibrary(other);
      expect(r2).toEqual(result);
      for (const rel of [
        'gguf/tiny-llama-chat-Q4_K_M.gguf', 'datasets/customer-reviews/train.parquet', 'runs/detect/shelf-yolo/weights/best.pt',
        'gguf/tiny-llama-chat-Q8_0.gguf', 'keras/defect-classifier/defect_classifier.keras', 'huggingface/sentiment-bert-small-training/checkpoint-1000/model.safetensors',
        'projects/review-sentiment/dvc.lock', 'datasets/shelf-coco/annotations/instances_train.json',
      ]) {
        expect(Buffer.compare(await readFile(path.join(dir, rel)), await readFile(path.join(other, rel)))).toBe(0);
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('spreads fixed timestamps over the months before DEMO_NOW', async () => {
    const a = await stat(path.join(dir, 'mlruns/models/churn-classifier/aliases/champion'));
    const b = await stat(path.join(dir, 'datasets/sales-2025.csv'));
    expect(a.mtimeMs).toBeLessThan(DEMO_NOW);
    expect(b.mtimeMs).toBeLessThan(a.mtimeMs);
    expect(DEMO_NOW - b.mtimeMs).toBeGreaterThan(60 * 86_400_000);
    const d = await stat(path.join(dir, 'mlruns'));
    expect(d.mtimeMs).toBeLessThan(DEMO_NOW);
  });

  it('writes an MLflow file store with a model registry', async () => {
    const exp = await readFile(path.join(dir, 'mlruns/1/meta.yaml'), 'utf8');
    expect(exp).toContain('name: churn-prediction');
    const runs = (await readdir(path.join(dir, 'mlruns/1'))).filter((n) => /^[0-9a-f]{32}$/.test(n));
    expect(runs).toHaveLength(3);
    const run = path.join(dir, 'mlruns/1', runs[0] as string);
    expect(await readFile(path.join(run, 'meta.yaml'), 'utf8')).toMatch(/status: 3/);
    const loss = (await readFile(path.join(run, 'metrics/loss'), 'utf8')).trim().split('\n');
    expect(loss).toHaveLength(50);
    expect(loss[0]).toMatch(/^\d{13} -?\d+\.\d+ 0$/);
    expect(await readFile(path.join(run, 'tags/mlflow.runName'), 'utf8')).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(await readFile(path.join(run, 'artifacts/model/MLmodel'), 'utf8')).toContain('flavors:');
    const pkl = await fmt(path.relative(dir, path.join(run, 'artifacts/model/model.pkl')));
    expect(pkl.metadata.safety).toMatchObject({ verdict: 'safe' });
    expect(pkl.metadata.rootClass).toBe('sklearn.ensemble._gb.GradientBoostingClassifier');
    const v3 = await readFile(path.join(dir, 'mlruns/models/churn-classifier/version-3/meta.yaml'), 'utf8');
    expect(v3).toContain('current_stage: Production');
    expect(v3).toContain('version: 3');
    expect(await readFile(path.join(dir, 'mlruns/models/churn-classifier/aliases/champion'), 'utf8')).toBe('3');
  });

  it('writes a valid safetensors Hugging Face folder', async () => {
    const info = await fmt('huggingface/sentiment-bert-small/model.safetensors');
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({ tensors: 13, metadata: { format: 'pt' } });
    expect(Object.keys(info.metadata.dtypes as object).sort()).toEqual(['F16', 'F32']);
    expect(info.metadata.parameters).toBe(1000 * 64 + 128 * 64 + 2 * 64 + 64 + 64 + 3 * 64 * 64 + 128 * 64 * 2 + 64 * 64 + 3 * 64 + 3);
    const cfg = JSON.parse(await readFile(path.join(dir, 'huggingface/sentiment-bert-small/config.json'), 'utf8'));
    expect(cfg.model_type).toBe('bert');
    const card = await readFile(path.join(dir, 'huggingface/sentiment-bert-small/README.md'), 'utf8');
    expect(card.startsWith('---\n')).toBe(true);
    expect(card).toContain('base_model: google-bert/bert-base-uncased');
  });

  it('writes real torch-zip checkpoints (Lightning and Ultralytics)', async () => {
    for (const v of [0, 1]) {
      const rel = `lightning/defect-detector/lightning_logs/version_${v}/checkpoints/epoch=9-step=500.ckpt`;
      const info = await fmt(rel);
      expect(info.warnings).toEqual([]);
      expect(info.metadata).toMatchObject({ container: 'zip', formatVersion: '3', byteorder: 'little', epoch: 9, globalStep: 500, checkpointKind: 'lightning', lightningVersion: '2.4.0', weightsKey: 'state_dict' });
      expect(info.metadata.safety).toMatchObject({ verdict: 'safe', dangerous: [] });
      expect((info.metadata.safety as { globals: string[] }).globals).toEqual(expect.arrayContaining(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage']));
      expect(info.metadata.tensors).toBe(9);
      const w = v === 0 ? 8 : 16;
      expect(info.metadata.parameters).toBe(w * 27 + w * 3 + 1 + w * 2 * w * 9 + w * 2 + 4 * w * 2 + 4);
      // storages are 64-byte aligned like torch writes them
      const bytes = new Uint8Array(await readFile(path.join(dir, rel)));
      const zip = await readZipDirectory(bufferRange(bytes));
      for (const e of zip.entries.filter((x) => x.name.includes('/data/'))) {
        const dv = new DataView(bytes.buffer, bytes.byteOffset + e.localHeaderOffset);
        expect((e.localHeaderOffset + 30 + dv.getUint16(26, true) + dv.getUint16(28, true)) % 64).toBe(0);
      }
      const hp = await readFile(path.join(dir, `lightning/defect-detector/lightning_logs/version_${v}/hparams.yaml`), 'utf8');
      expect(hp).toContain('num_classes: 4');
    }
    const best = await fmt('runs/detect/shelf-yolo/weights/best.pt');
    expect(best.metadata).toMatchObject({ version: '8.3.40', weightsKey: 'model', tensors: 9 });
    expect(best.metadata.safety).toMatchObject({ verdict: 'safe' });
    await fmt('runs/detect/shelf-yolo/weights/last.pt');
    const results = await readFile(path.join(dir, 'runs/detect/shelf-yolo/results.csv'), 'utf8');
    const header = (results.split('\n')[0] as string).split(',');
    expect(header[0]).toMatch(/^ +epoch$/);
    expect(header.map((h) => h.trim())).toContain('metrics/mAP50-95(B)');
    expect(results.trim().split('\n')).toHaveLength(31);
  });

  it('writes a valid GGUF', async () => {
    const info = await fmt('gguf/tiny-llama-chat-Q4_K_M.gguf');
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({
      version: 3, architecture: 'llama', name: 'Tiny Llama Chat', quantization: 'Q4_K_M', contextLength: 2048,
      vocabSize: 256, tensorCount: 6, parameters: 64 * 256 * 4 + 64 * 2, tensorTypes: { Q8_0: 2, Q4_K: 1, Q6_K: 1, F32: 2 }, headerComplete: true,
      baseModels: [{ name: 'TinyLlama 1.1B Chat v1.0', organization: 'TinyLlama', repoUrl: 'https://huggingface.co/TinyLlama/TinyLlama-1.1B-Chat-v1.0' }],
    });
  });

  it('writes two valid ONNX versions', async () => {
    const v1 = await fmt('onnx/shelf-detector/v1/model.onnx');
    const v2 = await fmt('onnx/shelf-detector/v2/model.onnx');
    expect(v1.warnings).toEqual([]);
    expect(v1.metadata).toMatchObject({ irVersion: 7, producerName: 'pytorch', opset: 13, nodes: 5, initializers: 4, parameters: 64 * 16 + 16 + 16 * 5 + 5 });
    expect(v2.metadata).toMatchObject({ irVersion: 8, opset: 17, parameters: 64 * 32 + 32 + 32 * 5 + 5 });
    expect((v1.metadata.metadataProps as Record<string, string>).source_checkpoint).toBe('runs/detect/shelf-yolo/weights/best.pt');
  });

  it('writes real Parquet that hyparquet reads back', async () => {
    const info = await fmt('datasets/customer-reviews/train.parquet');
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({ rows: 2000, columns: 4, rowGroups: 1 });
    expect(info.metadata.schema).toEqual([
      { name: 'review_id', type: 'int64' }, { name: 'text', type: 'string' }, { name: 'rating', type: 'int32' }, { name: 'label', type: 'string' },
    ]);
    const bytes = await readFile(path.join(dir, 'datasets/customer-reviews/test.parquet'));
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    expect(Number(parquetMetadata(ab).num_rows)).toBe(500);
    const rows = await parquetReadObjects({ file: ab });
    expect(rows).toHaveLength(500);
    expect(rows[0]).toMatchObject({ review_id: 100001n });
    expect(['negative', 'neutral', 'positive']).toContain(rows[0]?.label);
  });

  it('writes a CSV and an ImageFolder of valid PNGs', async () => {
    const csv = (await readFile(path.join(dir, 'datasets/sales-2025.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(366);
    for (const cls of ['cat_a', 'cat_b', 'cat_c']) {
      const files = await readdir(path.join(dir, 'datasets/product-photos', cls));
      expect(files.length).toBe(8);
      const png = await readFile(path.join(dir, 'datasets/product-photos', cls, files[0] as string));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.subarray(12, 16).toString()).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBe(32);
    }
  });
});

async function catalogFiles(root: string): Promise<CatalogFile[]> {
  const out: CatalogFile[] = [];
  for (const full of await listAll(root)) {
    const st = await stat(full);
    out.push({ path: path.relative(root, full).split(path.sep).join('/'), isDir: false, size: st.size, mtimeMs: st.mtimeMs });
  }
  return out;
}

describe('writeDemoLibrary: the newer formats', () => {
  it('writes a Q8_0 GGUF sibling, a Keras 3 model, a PEFT adapter and Trainer checkpoints that read cleanly', async () => {
    const q8 = await fmt('gguf/tiny-llama-chat-Q8_0.gguf');
    expect(q8.warnings).toEqual([]);
    expect(q8.metadata).toMatchObject({ quantization: 'Q8_0', tensorTypes: { Q8_0: 4, F32: 2 }, baseModels: [{ name: 'TinyLlama 1.1B Chat v1.0' }] });
    const keras = await fmt('keras/defect-classifier/defect_classifier.keras');
    expect(keras).toMatchObject({ format: 'keras', warnings: [], metadata: { kerasVersion: '3.6.0', className: 'Sequential', modelName: 'defect_classifier', layers: 5, optimizer: 'Adam' } });
    const adapter = await fmt('huggingface/sentiment-bert-small-lora/adapter_model.safetensors');
    expect(adapter.metadata).toMatchObject({ tensors: 6, parameters: 4 * 8 * 64 + 3 * 64 + 3 });
    const cfg = JSON.parse(await readFile(path.join(dir, 'huggingface/sentiment-bert-small-lora/adapter_config.json'), 'utf8'));
    expect(cfg.base_model_name_or_path).toBe('/mnt/ml-share/huggingface/sentiment-bert-small');
    for (const step of [500, 1000]) {
      const ck = await fmt(`huggingface/sentiment-bert-small-training/checkpoint-${step}/model.safetensors`);
      expect(ck.metadata).toMatchObject({ tensors: 13, dtypes: { F16: expect.any(Number) } });
    }
  });

  it('writes COCO, YOLO and Parquet datasets; the YOLO download script is recorded, never run', async () => {
    const coco = await fmt('datasets/shelf-coco/annotations/instances_train.json');
    expect(coco).toMatchObject({ format: 'coco', warnings: [], metadata: { images: 6, annotations: 6, categories: 3, classes: ['cereal', 'drinks', 'snacks'] } });
    const yolo = await fmt('datasets/shelf-yolo/data.yaml');
    expect(yolo).toMatchObject({ format: 'yolo-data', metadata: { train: 'train/images', val: 'valid/images', classes: ['cereal', 'drinks', 'snacks'], download: { kind: 'script' } } });
    expect(yolo.warnings).toEqual(['download: holds a script; Modelshelf never runs it']);
    expect(existsSync(YOLO_DOWNLOAD_CANARY)).toBe(false);
    expect((await fmt('datasets/churn-holdout-2026/holdout.parquet')).metadata).toMatchObject({ rows: 200, columns: 4 });
    expect((await fmt('projects/review-sentiment/data/reviews-prepared/train.parquet')).metadata).toMatchObject({ rows: 400, columns: 3 });
    expect((await fmt('datasets/sales-2025.csv')).metadata).toMatchObject({ rows: 365, columns: 7 });
  });

  it('holds runs of every kind, and each reads without a source error', async () => {
    const files = await catalogFiles(dir);
    const runs = detectRuns(files);
    expect(runs.map((r) => `${r.format} ${r.path.replace(/[0-9a-f]{32}/, '<run>')}`)).toEqual([
      'hf-trainer huggingface/sentiment-bert-small',
      'hf-trainer huggingface/sentiment-bert-small-training',
      'keras-csv keras/defect-classifier',
      'lightning lightning/defect-detector/lightning_logs/version_0',
      'lightning lightning/defect-detector/lightning_logs/version_1',
      'tensorboard lightning/defect-detector/tb_logs/version_1',
      'mlflow mlruns/1/<run>',
      'mlflow mlruns/1/<run>',
      'mlflow mlruns/1/<run>',
      'dvclive projects/review-sentiment/dvclive',
      'ultralytics runs/detect/shelf-yolo',
    ]);
    const src = await openLocalSource(dir);
    const parsed = new Map<string, Awaited<ReturnType<typeof readRun>>>();
    for (const r of runs) parsed.set(r.path, await readRun(src, r));
    const byName = (name: string) => [...parsed.values()].find((p) => p.name === name);

    const tb = parsed.get('lightning/defect-detector/tb_logs/version_1');
    expect(tb).toMatchObject({ name: 'defect-detector/tb_logs/version_1', warnings: [], params: { lr: '0.0005', optimizer: 'adam' } });
    expect(tb?.metrics['train/loss']).toHaveLength(100);
    expect(tb?.metrics['val/accuracy']).toHaveLength(10);
    expect(tb?.metrics.epoch_loss).toHaveLength(10);
    expect(tb?.metrics.learning_rate?.[9]?.value).toBeCloseTo(0.0005 * 0.8 ** 9, 12);

    const prod = byName('keen-elk-233');
    expect(prod).toMatchObject({ format: 'mlflow', status: 'FINISHED', warnings: [] });
    expect(prod?.inputs.map((i) => [i.name, i.path, i.evidence])).toEqual([
      ['sales-2025', 'datasets/sales-2025.csv', 'MLflow dataset input (training)'],
      ['churn-holdout-2026', 'datasets/churn-holdout-2026/holdout.parquet', 'MLflow dataset input (evaluation)'],
    ]);
    expect(prod?.outputs).toEqual([{ path: expect.stringMatching(/^mlruns\/1\/[0-9a-f]{32}\/artifacts\/model$/), evidence: "MLmodel in the run's artifacts (sklearn)" }]);
    expect(prod?.metrics.loss).toHaveLength(50);

    const hf = parsed.get('huggingface/sentiment-bert-small-training');
    expect(hf).toMatchObject({ format: 'hf-trainer', status: 'FINISHED', tags: { best_model_checkpoint: 'huggingface/sentiment-bert-small-training/checkpoint-1000' } });
    expect(hf?.metrics.loss).toHaveLength(20);
    expect(hf?.metrics.eval_accuracy).toHaveLength(4);
    expect(hf?.warnings).toEqual(['grad_norm: 1 non-finite value (NaN or Inf) left out']);
    expect(hf?.outputs[0]).toEqual({ path: 'huggingface/sentiment-bert-small-training/checkpoint-1000/model.safetensors', evidence: 'trainer_state.json best_model_checkpoint' });

    expect(parsed.get('projects/review-sentiment/dvclive')).toMatchObject({ name: 'review-sentiment/dvclive', params: { lr: '0.00005', epochs: '3' } });
    expect(parsed.get('projects/review-sentiment/dvclive')?.metrics['train/loss']).toHaveLength(30);
    expect(parsed.get('keras/defect-classifier')?.metrics.val_accuracy).toHaveLength(12);
    const yolo = parsed.get('runs/detect/shelf-yolo');
    expect(yolo).toMatchObject({ status: 'FINISHED', inputs: [{ name: 'shelf', path: 'datasets/product-photos/shelf.yaml', evidence: 'args.yaml data' }], tags: { base_model: 'yolo11n.pt' } });
    expect(yolo?.outputs.map((o) => o.path)).toEqual(['runs/detect/shelf-yolo/weights/best.pt', 'runs/detect/shelf-yolo/weights/last.pt']);
    const v1 = parsed.get('lightning/defect-detector/lightning_logs/version_1');
    expect(v1).toMatchObject({ name: 'defect-detector/version_1', params: { width: '16' }, warnings: [] });
    expect(v1?.metrics.val_acc).toHaveLength(10);
    for (const p of parsed.values()) expect(Object.keys(p.metrics).length, p.name).toBeGreaterThan(0);
    console.log(`demo runs: ${runs.length}, bytes read ${src.counters().bytesRead}`);
    await src.close();
  });

  it('declares DVC lineage from the pipeline and the import', async () => {
    const src = await openLocalSource(dir);
    const hints = await readDvcLineage(src, await catalogFiles(dir));
    await src.close();
    expect(hints).toEqual([
      { from: 'datasets/customer-reviews', to: 'projects/review-sentiment/data/reviews-prepared', relation: 'derived-from', evidence: 'from dvc.lock stage prepare' },
      { from: 'projects/review-sentiment/data/reviews-prepared', to: 'projects/review-sentiment/models/sentiment-distil', relation: 'trained-on', evidence: 'from dvc.lock stage train' },
      { from: 'external:https://github.com/acme/data-registry/nlp/stopwords-en.txt', to: 'projects/review-sentiment/data/stopwords-en.txt', relation: 'derived-from', evidence: 'from stopwords-en.txt.dvc (dvc import)' },
    ]);
  });
});

describe('writeDemoLibrary: the newer files keep the older items apart', () => {
  it('a scan still finds the original models and datasets by name, beside the new ones', async () => {
    const catalog = new Catalog(openCatalogDb(':memory:'));
    try {
      catalog.insertSource({ name: 'demo', kind: 'local', url: dir, rootPath: dir });
      const src = await openLocalSource(dir);
      await runScan({ catalog, source: src, sourceId: 1, signal: new AbortController().signal });
      await src.close();
      const names = (kind: 'model' | 'dataset') => catalog.listLibrary({ kind }).map((i) => i.name);
      // A Parquet file directly under datasets/ would turn the whole folder into one dataset: the
      // holdout set lives in its own folder for that reason.
      expect(names('dataset')).toEqual(expect.arrayContaining(['customer-reviews', 'product-photos', 'sales-2025', 'churn-holdout-2026', 'reviews-prepared']));
      expect(names('model')).toEqual(expect.arrayContaining(['churn-classifier', 'defect-detector', 'sentiment-bert-small', 'shelf-detector', 'shelf-yolo', 'sentiment-bert-small-lora', 'sentiment-distil', 'defect_classifier']));
    } finally {
      catalog.close();
    }
  });
});
