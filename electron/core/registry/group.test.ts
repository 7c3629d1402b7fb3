import { describe, expect, it } from 'vitest';
import type { StoredEntry } from '../catalog/catalog';
import { groupEntries } from './group';

type Spec = [path: string, extra?: { size?: number; format?: string; metadata?: Record<string, unknown> }];

/** Builds catalog rows for files and every folder above them. */
function tree(specs: Spec[]): StoredEntry[] {
  const out = new Map<string, StoredEntry>();
  const parentOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  for (const [path, extra] of specs) {
    let dir = parentOf(path);
    while (dir !== '' && !out.has(dir)) {
      out.set(dir, { path: dir, parent: parentOf(dir), name: dir.split('/').pop() as string, isDir: true, size: 0, mtimeMs: 1, format: null, meta: null });
      dir = parentOf(dir);
    }
    out.set(path, {
      path,
      parent: parentOf(path),
      name: path.split('/').pop() as string,
      isDir: false,
      size: extra?.size ?? 100,
      mtimeMs: 1000,
      format: extra?.format ?? null,
      meta: extra?.metadata ? { kind: 'other', metadata: extra.metadata, warnings: [] } : null,
    });
  }
  return [...out.values()];
}

describe('groupEntries', () => {
  it('reads the MLflow model registry: versions, stages, aliases, artifacts', () => {
    const items = groupEntries(
      tree([
        ['mlruns/models/churn/meta.yaml', { format: 'mlflow-model-meta', metadata: { name: 'churn' } }],
        ['mlruns/models/churn/version-1/meta.yaml', { format: 'mlflow-version-meta', metadata: { version: 1, current_stage: 'Archived', source: 'file:///x/mlruns/1/r1/artifacts/model' } }],
        ['mlruns/models/churn/version-2/meta.yaml', { format: 'mlflow-version-meta', metadata: { version: 2, current_stage: 'Production', source: 'file:///x/mlruns/1/r2/artifacts/model', run_id: 'r2' } }],
        ['mlruns/models/churn/aliases/champion', { format: 'mlflow-alias', metadata: { version: '2' } }],
        ['mlruns/1/r1/artifacts/model/MLmodel', { format: 'mlflow-mlmodel', metadata: { flavors: ['python_function', 'sklearn'] } }],
        ['mlruns/1/r1/artifacts/model/model.pkl', { size: 5000 }],
        ['mlruns/1/r2/artifacts/model/MLmodel', { format: 'mlflow-mlmodel', metadata: { flavors: ['python_function', 'sklearn'] } }],
        ['mlruns/1/r2/artifacts/model/model.pkl', { size: 7000 }],
      ]),
    );
    expect(items).toHaveLength(1);
    const [churn] = items;
    expect(churn).toMatchObject({ name: 'churn', layout: 'mlflow-registry', kind: 'model' });
    expect(churn?.versions.map((v) => [v.label, v.stage, v.aliases])).toEqual([
      ['1', 'Archived', []],
      ['2', 'Production', ['champion']],
    ]);
    expect(churn?.versions[1]?.files.map((f) => f.path)).toContain('mlruns/1/r2/artifacts/model/model.pkl');
    expect(churn?.versions[1]?.format).toBe('mlflow/sklearn');
    expect(churn?.versions[1]?.meta.runId).toBe('r2');
  });

  it('groups Lightning versions, Ultralytics reruns, HF folders, loose files and checkpoints', () => {
    const items = groupEntries(
      tree([
        ['proj/defects/lightning_logs/version_0/checkpoints/epoch=1.ckpt', { format: 'pytorch' }],
        ['proj/defects/lightning_logs/version_0/hparams.yaml'],
        ['proj/defects/lightning_logs/version_1/checkpoints/epoch=9.ckpt', { format: 'pytorch' }],
        ['proj/defects/lightning_logs/version_2/metrics.csv'],
        ['runs/detect/shelf/args.yaml'],
        ['runs/detect/shelf/weights/best.pt', { format: 'pytorch' }],
        ['runs/detect/shelf2/results.csv'],
        ['runs/detect/shelf2/weights/best.pt', { format: 'pytorch' }],
        ['hf/bert-small/config.json', { format: 'hf-config', metadata: { model_type: 'bert' } }],
        ['hf/bert-small/model.safetensors', { format: 'safetensors', metadata: { parameters: 42 } }],
        ['llm/tiny-Q4_K_M.gguf', { format: 'gguf', size: 400 }],
        ['llm/tiny-Q8_0.gguf', { format: 'gguf', size: 800 }],
        ['llm/solo.gguf', { format: 'gguf' }],
        ['exp/checkpoints/a.pt', { format: 'pytorch' }],
        ['exp/checkpoints/b.pt', { format: 'pytorch' }],
      ]),
    );
    const byName = Object.fromEntries(items.map((i) => [i.name, i]));
    expect(byName.defects?.versions.map((v) => v.label)).toEqual(['version_0', 'version_1']);
    expect(byName.defects?.versions[0]?.files.map((f) => f.path)).toContain('proj/defects/lightning_logs/version_0/hparams.yaml');
    expect(byName.shelf).toMatchObject({ layout: 'ultralytics' });
    expect(byName.shelf?.versions.map((v) => v.label)).toEqual(['shelf', 'shelf2']);
    expect(byName['bert-small']).toMatchObject({ layout: 'huggingface', format: 'safetensors' });
    expect(byName['bert-small']?.versions[0]?.meta).toMatchObject({ parameters: 42, config: { model_type: 'bert' } });
    expect(byName.tiny).toMatchObject({ layout: 'gguf-quantisations', format: 'gguf' });
    expect(byName.tiny?.versions.map((v) => v.label)).toEqual(['Q8_0', 'Q4_K_M']);
    expect(byName.solo).toMatchObject({ layout: 'file', format: 'gguf' });
    expect(byName.exp).toMatchObject({ layout: 'checkpoints' });
    expect(byName.exp?.versions).toHaveLength(2);
    expect(items.every((i) => i.kind === 'model')).toBe(true);
  });

  it('reads the Hugging Face hub cache: snapshots are versions, refs are aliases', () => {
    const items = groupEntries(
      tree([
        ['hub/models--acme--tiny-bert/refs/main', { format: 'hf-cache-ref', metadata: { commit: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' } }],
        ['hub/models--acme--tiny-bert/snapshots/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/config.json', { format: 'hf-config', metadata: { model_type: 'bert' } }],
        ['hub/models--acme--tiny-bert/snapshots/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/model.safetensors', { format: 'safetensors' }],
        ['hub/models--acme--tiny-bert/snapshots/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/config.json', { format: 'hf-config', metadata: { model_type: 'bert' } }],
        ['hub/models--acme--tiny-bert/snapshots/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/model.safetensors', { format: 'safetensors' }],
        ['hub/models--acme--tiny-bert/blobs/0123456789abcdef', { size: 100 }],
      ]),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ name: 'acme/tiny-bert', layout: 'huggingface-cache', format: 'safetensors' });
    expect(items[0]?.versions.map((v) => [v.label, v.aliases])).toEqual([
      ['aaaaaaaaaaaa', []],
      ['bbbbbbbbbbbb', ['main']],
    ]);
  });

  it('finds datasets: parquet folders, image class folders, tables under data/', () => {
    const items = groupEntries(
      tree([
        ['datasets/reviews/train.parquet', { format: 'parquet', metadata: { rows: 800, columns: 3 } }],
        ['datasets/reviews/test.parquet', { format: 'parquet', metadata: { rows: 200, columns: 3 } }],
        ['datasets/photos/cat/1.png'],
        ['datasets/photos/cat/2.png'],
        ['datasets/photos/dog/1.jpg'],
        ['datasets/sales.csv'],
        ['reports/q1.csv'],
      ]),
    );
    const byName = Object.fromEntries(items.map((i) => [i.name, i]));
    expect(byName.reviews).toMatchObject({ kind: 'dataset', format: 'parquet' });
    expect(byName.reviews?.versions[0]?.meta.rows).toBe(1000);
    expect(byName.photos).toMatchObject({ kind: 'dataset', format: 'images' });
    expect(byName.photos?.versions[0]?.meta).toMatchObject({ classes: ['cat', 'dog'], images: 3 });
    expect(byName.sales).toMatchObject({ kind: 'dataset', layout: 'file' });
    expect(byName.q1).toBeUndefined();
  });
});
