import { describe, expect, it } from 'vitest';
import { writeEventFile } from '../demo/tfevents-writer';
import { detectRuns, readRun } from './index';
import { type Files, catalogOf, memoryReader } from './test-helpers';

const detectOne = (files: Files) => {
  const runs = detectRuns(catalogOf(files));
  expect(runs).toHaveLength(1);
  return runs[0]!;
};

describe('readRun lightning', () => {
  const V = 'proj/lightning_logs/version_2';
  const csv = 'epoch,step,train_loss,val_acc,val_loss\n0,24,1.2,,\n0,49,1.0,,\n0,49,,0.61,0.9\n1,74,0.8,,\n1,99,0.7,,\n1,99,,0.74,0.7\n';

  it('reads sparse rows by step, hparams (python tags kept as data), checkpoints as outputs', async () => {
    const files: Files = {
      [`${V}/metrics.csv`]: csv,
      [`${V}/hparams.yaml`]: 'lr: 0.001\noptimizer:\n  name: adam\n  betas: [0.9, 0.999]\nloss_fn: !!python/name:torch.nn.functional.cross_entropy ""\n',
      [`${V}/checkpoints/epoch=1-step=100.ckpt`]: 'PK',
    };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.name).toBe('proj/version_2');
    expect(r.metrics.train_loss?.map((p) => [p.step, p.value])).toEqual([[24, 1.2], [49, 1.0], [74, 0.8], [99, 0.7]]);
    expect(r.metrics.val_acc?.map((p) => [p.step, p.value])).toEqual([[49, 0.61], [99, 0.74]]);
    expect(r.metrics.epoch).toBeUndefined();
    expect(r.params).toEqual({ lr: '0.001', 'optimizer.name': 'adam', 'optimizer.betas': '[0.9,0.999]', loss_fn: '' });
    expect(r.warnings).toEqual(['hparams.yaml: tag !!python/name:torch.nn.functional.cross_entropy kept as plain data (never constructed)']);
    expect(r.outputs).toEqual([{ path: `${V}/checkpoints/epoch=1-step=100.ckpt`, evidence: 'Lightning checkpoint in the run folder' }]);
  });

  it('tolerates a partially written last line', async () => {
    const files: Files = { [`${V}/metrics.csv`]: `${csv}2,124,0.6`, [`${V}/hparams.yaml`]: 'lr: 1\n' };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.metrics.train_loss).toHaveLength(4);
    expect(r.warnings).toEqual(['metrics.csv: the last line is incomplete (file being written) and was left out']);
  });

  it('reads event files in the same folder as extra series without doubling a metric', async () => {
    const events = writeEventFile([0, 1, 2].flatMap((s) => [{ tag: 'grad_norm', step: s, wallTime: 1780000000 + s, value: s }, { tag: 'train_loss', step: s, wallTime: 1780000000 + s, value: 9 }]), 'simple');
    const files: Files = { [`${V}/metrics.csv`]: csv, [`${V}/events.out.tfevents.1780000000.h.1.0`]: events };
    const run = detectOne(files);
    const r = await readRun(memoryReader(files), run);
    expect(r.format).toBe('lightning');
    expect(r.metrics.grad_norm).toHaveLength(3);
    expect(r.metrics.train_loss?.map((p) => p.value)).toEqual([1.2, 1.0, 0.8, 0.7]);
    expect(r.startedMs).toBe(1780000000000);
  });

  it('reads a 1e6-row metrics.csv under a byte cap as head + tail, bounded', async () => {
    const rows = ['epoch,step,train_loss'];
    for (let i = 0; i < 1_000_000; i++) rows.push(`${Math.floor(i / 1000)},${i},${(1 / (i + 1)).toPrecision(6)}`);
    const files: Files = { [`${V}/metrics.csv`]: `${rows.join('\n')}\n`, [`${V}/hparams.yaml`]: 'lr: 1\n' };
    const src = memoryReader(files);
    const cap = 1024 * 1024;
    const r = await readRun(src, detectOne(files), { byteCap: cap });
    expect(src.bytesRead).toBeLessThanOrEqual(cap);
    const pts = r.metrics.train_loss ?? [];
    expect(pts.length).toBeGreaterThan(10_000);
    expect(pts.length).toBeLessThan(100_000);
    expect(pts[0]?.step).toBe(0);
    expect(pts.at(-1)?.step).toBe(999_999); // the tail is there: the latest value is known
    expect(r.warnings.join('\n')).toMatch(/rows in between were skipped/);
    console.log(`lightning: metrics.csv ${(files[`${V}/metrics.csv`] as string).length} B, cap ${cap} B, read ${src.bytesRead} B in ${src.reads} reads + ${src.lists} list`);
  });
});

describe('readRun ultralytics', () => {
  const R = 'runs/detect/shelf';
  const pad = (s: string) => s.padStart(20);
  const header = ['epoch', 'train/box_loss', 'metrics/mAP50(B)'].map(pad).join(',');
  const body = [1, 2, 3].map((e) => [e, 1.5 - e / 10, 0.2 * e].map((v) => pad(String(v))).join(',')).join('\n');

  it('trims padded names, uses epoch as step, reads args.yaml (data → input, model → base weights)', async () => {
    const files: Files = {
      [`${R}/results.csv`]: `${header}\n${body}\n`,
      [`${R}/args.yaml`]: 'task: detect\nmodel: yolo11n.pt\ndata: datasets/shop/shelf.yaml\nepochs: 3\nname: shelf\nlr0: 0.01\n',
      [`${R}/weights/best.pt`]: 'x',
      [`${R}/weights/last.pt`]: 'x',
    };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.warnings).toEqual([]);
    expect(Object.keys(r.metrics).sort()).toEqual(['metrics/mAP50(B)', 'train/box_loss']);
    expect(r.metrics['metrics/mAP50(B)']?.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(r).toMatchObject({ name: 'shelf', status: 'FINISHED', tags: { base_model: 'yolo11n.pt' } });
    expect(r.params).toMatchObject({ task: 'detect', epochs: '3', lr0: '0.01', data: 'datasets/shop/shelf.yaml' });
    expect(r.inputs).toEqual([{ name: 'shelf', path: 'datasets/shop/shelf.yaml', evidence: 'args.yaml data' }]);
    expect(r.outputs.map((o) => o.path)).toEqual([`${R}/weights/best.pt`, `${R}/weights/last.pt`]);
  });

  it('does not resolve an absolute data path onto the share, and an unfinished run has no status', async () => {
    const files: Files = { [`${R}/results.csv`]: `${header}\n${body}\n`, [`${R}/args.yaml`]: 'data: /home/u/data.yaml\nepochs: 100\n' };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.inputs).toEqual([{ name: 'data', evidence: 'args.yaml data' }]);
    expect(r.status).toBeNull();
  });
});

describe('readRun keras-csv', () => {
  it('reads epoch + metric columns', async () => {
    const files: Files = { 'keras/fit/training.log': 'epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.9,0.55,0.8\n1,0.7,0.6,0.72,0.61\n' };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.name).toBe('fit');
    expect(r.metrics.val_loss).toEqual([{ step: 0, wallMs: null, value: 0.8 }, { step: 1, wallMs: null, value: 0.61 }]);
    expect(r.warnings).toEqual([]);
  });

  it('says so when the file has no epoch column', async () => {
    const files: Files = { 'keras/fit/history.csv': 'when,what\n1,2\n' };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.metrics).toEqual({});
    expect(r.warnings).toEqual(['history.csv has no epoch column: not a Keras CSVLogger file']);
  });
});

describe('readRun hf-trainer', () => {
  const state = {
    best_metric: 0.87, best_model_checkpoint: 'outputs/checkpoint-1000', epoch: 2.0, global_step: 1000, max_steps: 1000,
    num_train_epochs: 2, train_batch_size: 16, logging_steps: 500,
    log_history: [
      { epoch: 1, grad_norm: 2.1, learning_rate: 2.5e-5, loss: 0.61, step: 500 },
      { epoch: 1, eval_accuracy: 0.82, eval_loss: 0.5, step: 500 },
      { epoch: 2, grad_norm: 1.4, learning_rate: 0, loss: 0.41, step: 1000 },
      { epoch: 2, eval_accuracy: 0.87, eval_loss: 0.44, step: 1000 },
      { epoch: 2, step: 1000, total_flos: 1.2e15, train_loss: 0.5, train_runtime: 300.5 },
    ],
  };

  it('turns log_history into series and settings into params/tags; the best checkpoint is an output', async () => {
    const files: Files = {
      'hf/out/checkpoint-500/trainer_state.json': JSON.stringify({ ...state, global_step: 500 }),
      'hf/out/checkpoint-500/model.safetensors': 'x',
      'hf/out/checkpoint-1000/trainer_state.json': JSON.stringify(state),
      'hf/out/checkpoint-1000/model.safetensors': 'x',
    };
    const run = detectOne(files);
    expect(run.files).toContain('hf/out/checkpoint-1000/trainer_state.json');
    const r = await readRun(memoryReader(files), run);
    expect(r).toMatchObject({ format: 'hf-trainer', name: 'out', status: 'FINISHED' });
    expect(r.metrics.loss?.map((p) => [p.step, p.value])).toEqual([[500, 0.61], [1000, 0.41]]);
    expect(r.metrics.eval_accuracy?.map((p) => p.value)).toEqual([0.82, 0.87]);
    expect(r.metrics.train_runtime).toHaveLength(1);
    expect(r.metrics.epoch).toBeUndefined();
    expect(r.params).toMatchObject({ global_step: '1000', max_steps: '1000', train_batch_size: '16' });
    expect(r.tags).toEqual({ best_metric: '0.87', best_model_checkpoint: 'outputs/checkpoint-1000' });
    expect(r.outputs[0]).toEqual({ path: 'hf/out/checkpoint-1000/model.safetensors', evidence: 'trainer_state.json best_model_checkpoint' });
    expect(r.outputs).toHaveLength(2);
  });

  it('reads Python-style NaN/Infinity (grad_norm NaN) and leaves them out with a warning', async () => {
    const text = '{"global_step": 2, "log_history": [{"grad_norm": NaN, "loss": 1.5, "step": 1}, {"grad_norm": Infinity, "loss": 1.2, "step": 2, "note": "NaN in a string stays"}]}';
    const files: Files = { 'hf/run/trainer_state.json': text };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.metrics.loss).toHaveLength(2);
    expect(r.metrics.grad_norm).toBeUndefined();
    expect(r.warnings).toEqual(['grad_norm: 2 non-finite values (NaN or Inf) left out']);
  });

  it('reports invalid JSON as a warning', async () => {
    const files: Files = { 'hf/run/trainer_state.json': '{"log_history": [' };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.metrics).toEqual({});
    expect(r.warnings[0]).toMatch(/not valid JSON/);
  });
});

describe('readRun dvclive', () => {
  it('reads plots/metrics TSVs, metrics.json for the rest, params.yaml', async () => {
    const files: Files = {
      'exp/dvclive/plots/metrics/train/loss.tsv': 'timestamp\tstep\tloss\n1780000000000\t0\t0.9\n1780000060000\t1\t0.7\n',
      'exp/dvclive/plots/metrics/acc.tsv': 'timestamp\tstep\tacc\n1780000000000\t0\t0.5\n1780000060000\t1\tnan\n',
      'exp/dvclive/metrics.json': '{"train": {"loss": 0.7}, "acc": 0.6, "test": {"f1": 0.81}, "step": 1}',
      'exp/dvclive/params.yaml': 'lr: 0.01\nmodel:\n  layers: 2\n',
    };
    const r = await readRun(memoryReader(files), detectOne(files));
    expect(r.name).toBe('exp/dvclive');
    expect(r.metrics['train/loss']?.map((p) => [p.step, p.wallMs, p.value])).toEqual([[0, 1780000000000, 0.9], [1, 1780000060000, 0.7]]);
    expect(r.metrics.acc).toHaveLength(1);
    expect(r.metrics['test/f1']).toEqual([{ step: 1, wallMs: null, value: 0.81 }]);
    expect(r.params).toEqual({ lr: '0.01', 'model.layers': '2' });
    expect(r).toMatchObject({ startedMs: 1780000000000, endedMs: 1780000060000 });
    expect(r.warnings).toEqual(['acc: 1 non-finite value (NaN or Inf) left out']);
  });
});
