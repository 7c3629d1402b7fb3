import { describe, expect, it } from 'vitest';
import { detectRuns } from './detect';
import type { CatalogFile } from './types';

const f = (path: string): CatalogFile => ({ path, isDir: false, size: 10, mtimeMs: 0 });
const d = (path: string): CatalogFile => ({ path, isDir: true, size: 0, mtimeMs: 0 });

describe('detectRuns', () => {
  it('finds MLflow runs and skips reserved folders, the registry and experiment metadata', () => {
    const runs = detectRuns([
      f('mlruns/0/meta.yaml'),
      f('mlruns/1/meta.yaml'),
      f('mlruns/1/abc/meta.yaml'),
      f('mlruns/1/abc/metrics/loss'),
      f('mlruns/1/abc/metrics/val/acc'),
      f('mlruns/1/abc/params/lr'),
      f('mlruns/1/abc/tags/mlflow.runName'),
      f('mlruns/1/abc/inputs/i1/meta.yaml'),
      f('mlruns/1/abc/artifacts/model/MLmodel'),
      f('mlruns/1/abc/artifacts/model/model.pkl'),
      f('mlruns/1/datasets/ds1/meta.yaml'),
      d('mlruns/1/empty/metrics'),
      f('mlruns/1/empty/meta.yaml'),
      f('mlruns/1/tags/x/meta.yaml'),
      d('mlruns/1/tags/x/metrics'),
      f('mlruns/models/m/meta.yaml'),
      f('mlruns/models/m/version-1/meta.yaml'),
      f('mlruns/.trash/9/meta.yaml'),
      f('mlruns/.trash/9/r/meta.yaml'),
      d('mlruns/.trash/9/r/metrics'),
      // a folder with meta.yaml + metrics/ that is not inside an experiment
      f('notes/x/meta.yaml'),
      f('notes/x/metrics/loss'),
    ]);
    expect(runs.map((r) => `${r.format} ${r.path}`)).toEqual(['mlflow mlruns/1/abc', 'mlflow mlruns/1/empty']);
    expect(runs[0]?.files).toEqual([
      'mlruns/1/abc/artifacts/model/MLmodel',
      'mlruns/1/abc/inputs/i1/meta.yaml',
      'mlruns/1/abc/meta.yaml',
      'mlruns/1/abc/metrics/loss',
      'mlruns/1/abc/metrics/val/acc',
      'mlruns/1/abc/params/lr',
      'mlruns/1/abc/tags/mlflow.runName',
      'mlruns/1/datasets/ds1/meta.yaml',
    ]);
    expect(runs[1]?.files).toEqual(['mlruns/1/empty/meta.yaml']);
  });

  it('takes the top-level trainer_state.json, else the latest checkpoint (numerically)', () => {
    const runs = detectRuns([
      f('out/a/trainer_state.json'),
      f('out/a/model.safetensors'),
      f('out/a/checkpoint-500/trainer_state.json'),
      f('out/a/checkpoint-500/model.safetensors'),
      f('out/b/checkpoint-900/trainer_state.json'),
      f('out/b/checkpoint-1000/trainer_state.json'),
      f('out/b/checkpoint-1000/adapter_model.safetensors'),
      f('out/b/checkpoint-1000/optimizer.pt'),
    ]);
    expect(runs).toEqual([
      { format: 'hf-trainer', path: 'out/a', files: ['out/a/checkpoint-500/model.safetensors', 'out/a/model.safetensors', 'out/a/trainer_state.json'] },
      { format: 'hf-trainer', path: 'out/b', files: ['out/b/checkpoint-1000/adapter_model.safetensors', 'out/b/checkpoint-1000/trainer_state.json'] },
    ]);
  });

  it('finds Lightning, Ultralytics, DVCLive and TensorBoard runs; event files join the run of their folder', () => {
    const runs = detectRuns([
      f('proj/lightning_logs/version_0/metrics.csv'),
      f('proj/lightning_logs/version_0/hparams.yaml'),
      f('proj/lightning_logs/version_0/events.out.tfevents.1.host.1.0'),
      f('proj/lightning_logs/version_0/checkpoints/epoch=1.ckpt'),
      f('other/version_3/metrics.csv'), // not under lightning_logs and no hparams.yaml
      f('runs/detect/train/results.csv'),
      f('runs/detect/train/args.yaml'),
      f('runs/detect/train/weights/best.pt'),
      f('runs/detect/train/events.out.tfevents.2.host'),
      f('runs/detect/val/results.csv'), // no args.yaml
      f('exp/dvclive/metrics.json'),
      f('exp/dvclive/plots/metrics/train/loss.tsv'),
      f('exp/dvclive/params.yaml'),
      f('tb/fit/train/events.out.tfevents.3.host.v2'),
      f('tb/fit/train/events.out.tfevents.4.host.v2'),
      f('tb/fit/validation/events.out.tfevents.3.host.v2'),
    ]);
    expect(runs.map((r) => `${r.format} ${r.path} ${r.files.length}`)).toEqual([
      'dvclive exp/dvclive 3',
      'lightning proj/lightning_logs/version_0 4',
      'ultralytics runs/detect/train 4',
      'tensorboard tb/fit/train 2',
      'tensorboard tb/fit/validation 1',
    ]);
    expect(runs.find((r) => r.format === 'lightning')?.files).toContain('proj/lightning_logs/version_0/events.out.tfevents.1.host.1.0');
    expect(new Set(runs.map((r) => r.path)).size).toBe(runs.length);
  });

  it('is conservative about Keras CSVLogger files', () => {
    const runs = detectRuns([
      f('keras/a/training.log'),
      f('keras/b/history.csv'),
      f('keras/c/train_log.csv'),
      f('keras/d/my_log.csv'),
      f('keras/d/model.keras'),
      f('keras/e/server_log.csv'), // no model beside it
      f('datasets/history.csv'), // data folders hold data, not logs
      f('datasets/web/access_log.csv'),
    ]);
    expect(runs.map((r) => `${r.format} ${r.path}`)).toEqual(['keras-csv keras/a', 'keras-csv keras/b', 'keras-csv keras/c', 'keras-csv keras/d']);
  });

  it('returns nothing for an empty or unrelated list', () => {
    expect(detectRuns([])).toEqual([]);
    expect(detectRuns([f('a/b.csv'), f('meta.yaml'), f('metrics.csv'), d('x')])).toEqual([]);
  });
});
