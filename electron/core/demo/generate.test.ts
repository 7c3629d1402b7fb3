import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFormat } from '../formats';
import { bufferRange } from '../formats/range-source';
import { readZipDirectory } from '../formats/zip';
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
    expect(total).toBeLessThan(8_000_000);
  });

  it('is deterministic', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'modelshelf-demo2-'));
    try {
      const r2 = await writeDemoLibrary(other);
      expect(r2).toEqual(result);
      for (const rel of ['gguf/tiny-llama-chat-Q4_K_M.gguf', 'datasets/customer-reviews/train.parquet', 'runs/detect/shelf-yolo/weights/best.pt']) {
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
