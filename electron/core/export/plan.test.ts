import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { type PlanInput, planBundle, versionRoot } from './plan';

const base = { itemName: 'sentiment-bert', versionLabel: 'current', publisher: 'Team NAS', hasMetrics: false } as const;
const f = (path: string, size = 10) => ({ path, size, mtimeMs: 1 });
const dests = (input: PlanInput) => planBundle(input).copies.map((c) => c.dest);

describe('planBundle', () => {
  const hf = {
    ...base,
    versionPath: 'models/bert',
    files: [f('models/bert/config.json'), f('models/bert/model.safetensors'), f('models/bert/README.md'), f('models/bert/tokenizer/vocab.txt')],
  };

  it('bundle: the version folder as it is, the own card kept beside the generated one', () => {
    const plan = planBundle({ ...hf, layout: 'bundle', hasMetrics: true });
    expect(plan.target).toBe('sentiment-bert');
    expect(plan.copies.map((c) => c.dest).sort()).toEqual(['README.source.md', 'config.json', 'model.safetensors', 'tokenizer/vocab.txt']);
    expect(plan.generated).toEqual(['README.md', 'lineage.json', 'metrics.csv', 'MANIFEST.sha256']);
    expect(plan.copies.find((c) => c.dest === 'README.source.md')?.src).toBe('models/bert/README.md');
  });

  it('names the bundle after the model and version', () => {
    expect(planBundle({ ...hf, layout: 'bundle', versionLabel: '3' }).target).toBe('sentiment-bert-3');
    expect(planBundle({ ...hf, layout: 'bundle', itemName: 'CON', versionLabel: 'current' }).target).toBe('_CON');
  });

  it('hf: a version folder that is the model folder stays the top; model files in plain sub-folders are lifted to it', () => {
    expect(dests({ ...hf, layout: 'hf' }).sort()).toEqual(['README.source.md', 'config.json', 'model.safetensors', 'vocab.txt']);
  });

  it('hf: a checkpoint folder beside the model keeps its path; the model keeps the plain names', () => {
    const plan = planBundle({
      ...base,
      layout: 'hf',
      versionPath: 'runs/bert',
      // The checkpoint first in file order: its files must not take the model's names.
      files: [
        f('runs/bert/checkpoint-500/config.json'),
        f('runs/bert/checkpoint-500/model.safetensors'),
        f('runs/bert/config.json'),
        f('runs/bert/model.safetensors'),
      ],
    });
    expect(Object.fromEntries(plan.copies.map((c) => [c.dest, c.src]))).toEqual({
      'config.json': 'runs/bert/config.json',
      'model.safetensors': 'runs/bert/model.safetensors',
      'checkpoint-500/config.json': 'runs/bert/checkpoint-500/config.json',
      'checkpoint-500/model.safetensors': 'runs/bert/checkpoint-500/model.safetensors',
    });
  });

  it('hf: a diffusers pipeline keeps model_index.json at the top and its parts in their folders', () => {
    const sd = ['model_index.json', 'unet/config.json', 'unet/diffusion_pytorch_model.safetensors', 'vae/config.json', 'text_encoder/config.json', 'text_encoder/model.safetensors', 'tokenizer/vocab.json'];
    expect(dests({ ...base, layout: 'hf', versionPath: 'sd', files: sd.map((p) => f(`sd/${p}`)) }).sort()).toEqual([...sd].sort());
  });

  it('hf: the shallowest folder holding config.json goes to the top, its plain sub-folders lifted, folders with their own config kept, the rest under extra/', () => {
    const nested = {
      ...base,
      versionPath: 'snap',
      files: [
        f('snap/notes.txt'),
        f('snap/model/config.json'),
        f('snap/model/weights/model.safetensors'),
        f('snap/model/tokenizer/tokenizer.json'),
        f('snap/model/notes.txt'),
        f('snap/model/checkpoint-9/config.json'),
        f('snap/other/config.json'),
      ],
    };
    expect(dests({ ...nested, layout: 'hf' }).sort()).toEqual([
      'checkpoint-9/config.json',
      'config.json',
      'extra/notes.txt',
      'extra/other/config.json',
      'model.safetensors',
      'notes.txt',
      'tokenizer.json',
    ]);
  });

  it('hf: a lifted file never takes a name the model folder already has at its top', () => {
    const files = ['m/config.json', 'm/model.safetensors', 'm/weights/model.safetensors', 'm/more/vocab.txt', 'm/other/vocab.txt'];
    const plan = planBundle({ ...base, layout: 'hf', versionPath: 'm', files: files.map((p) => f(p)) });
    expect(Object.fromEntries(plan.copies.map((c) => [c.dest, c.src]))).toEqual({
      'config.json': 'm/config.json',
      'model.safetensors': 'm/model.safetensors',
      'weights/model.safetensors': 'm/weights/model.safetensors',
      'vocab.txt': 'm/more/vocab.txt',
      'other/vocab.txt': 'm/other/vocab.txt',
    });
  });

  it('mlflow: an MLflow registry version keeps its MLmodel folder at the top, registry metadata under extra/', () => {
    const input = {
      ...base,
      itemName: 'churn',
      versionLabel: '3',
      versionPath: 'mlruns/1/abc/artifacts/model',
      files: [
        f('mlruns/models/churn/version-3/meta.yaml'),
        f('mlruns/1/abc/artifacts/model/MLmodel'),
        f('mlruns/1/abc/artifacts/model/model.pkl'),
        f('mlruns/1/abc/artifacts/model/conda.yaml'),
      ],
    };
    for (const layout of ['bundle', 'mlflow'] as const) {
      const plan = planBundle({ ...input, layout });
      expect(plan.copies.map((c) => c.dest).sort()).toEqual(['MLmodel', 'conda.yaml', 'extra/meta.yaml', 'model.pkl']);
      expect(plan.generateMlmodel).toBe(false);
    }
  });

  it('mlflow: a version without MLmodel gets a generated one and its files under artifacts/', () => {
    const plan = planBundle({ ...hf, layout: 'mlflow' });
    expect(plan.generateMlmodel).toBe(true);
    expect(plan.generated).toContain('MLmodel');
    expect(plan.copies.map((c) => c.dest).sort()).toEqual([
      'artifacts/README.md',
      'artifacts/config.json',
      'artifacts/model.safetensors',
      'artifacts/tokenizer/vocab.txt',
    ]);
  });

  it('lmstudio: publisher/model/file.gguf, and a clear refusal without a GGUF', () => {
    const gguf = { ...base, itemName: 'tiny-llama', versionPath: 'gguf/tiny-llama.gguf', files: [f('gguf/tiny-llama.gguf', 1000)] };
    const plan = planBundle({ ...gguf, layout: 'lmstudio' });
    expect(plan.target).toBe('Team NAS/tiny-llama');
    expect(plan.copies.map((c) => c.dest)).toEqual(['tiny-llama.gguf']);
    let err: unknown;
    try {
      planBundle({ ...hf, layout: 'lmstudio' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/GGUF/) });
  });

  it('a one-file version is copied by its name; hostile and colliding names are made safe and distinct', () => {
    expect(versionRoot('onnx/v1/model.onnx', [f('onnx/v1/model.onnx')])).toBe('onnx/v1');
    const plan = planBundle({
      ...base,
      layout: 'bundle',
      versionPath: 'm',
      files: [f('m/CON'), f('m/a:b'), f('m/Weights.bin'), f('m/weights.bin'), f('m/MANIFEST.sha256'), f('m/x./y')],
    });
    expect(plan.copies.map((c) => c.dest).sort()).toEqual(['MANIFEST.source.sha256', 'Weights.bin', '_CON', 'a_b', 'weights (2).bin', 'x/y']);
  });
});
