// Writes a realistic small-team NAS share for demos and tests: MLflow file store, a Hugging Face
// model folder, Lightning logs with real torch-zip checkpoints, an Ultralytics run, a GGUF, two ONNX
// versions and datasets (Parquet, CSV, an ImageFolder of PNGs). Deterministic: seeded PRNG and fixed
// timestamps spread over mid-2026. A few MB in total. extras.ts adds TensorBoard, a Trainer output
// folder, a DVC pipeline with DVCLive, a GGUF sibling, a PEFT adapter, COCO/YOLO and a Keras model.
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writePng, writeParquet } from './data-writers';
import { writeExtras } from './extras';
import { writeGguf, writeOnnx, writeSafetensors } from './model-writers';
import { Float, OrderedDict, type PickleValue, PyObject, Tensor, pickle, torchSave } from './pickle-writer';
import { Prng } from './prng';
import { tinyLlamaKv, tinyLlamaTokens } from './tiny-llama';

/** Fixed reference time: every timestamp in the demo is an offset back from here. */
export const DEMO_NOW = Date.UTC(2026, 9, 30, 16, 0, 0); // 2026-10-30 16:00 UTC
const DAY = 86_400_000;
const at = (daysAgo: number, hour = 10): number => DEMO_NOW - daysAgo * DAY + (hour - 16) * 3_600_000;
const SHARE_ROOT = 'file:///mnt/ml-share';

type Content = string | Uint8Array;

class Library {
  files = 0;
  bytes = 0;
  private mtimes = new Map<string, number>();
  constructor(readonly dir: string) {}

  async write(rel: string, content: Content, mtimeMs: number): Promise<void> {
    const full = path.join(this.dir, ...rel.split('/'));
    await mkdir(path.dirname(full), { recursive: true });
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await writeFile(full, data);
    this.files++;
    this.bytes += data.length;
    this.mtimes.set(rel, mtimeMs);
    // parent folders take the newest child's time
    const parts = rel.split('/');
    for (let i = parts.length - 1; i > 0; i--) {
      const d = parts.slice(0, i).join('/');
      this.mtimes.set(`${d}/`, Math.max(this.mtimes.get(`${d}/`) ?? 0, mtimeMs));
    }
  }

  async stamp(): Promise<void> {
    const entries = [...this.mtimes.entries()].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, ms] of entries) {
      const t = new Date(ms);
      await utimes(path.join(this.dir, ...rel.split('/').filter(Boolean)), t, t);
    }
  }
}

function randn(rng: Prng, n: number, scale = 0.02): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

const yamlValue = (v: unknown): string => (typeof v === 'string' ? (/^[\w./-]+$/.test(v) && !/^\d/.test(v) ? v : `'${v.replace(/'/g, "''")}'`) : String(v));
const yaml = (obj: Record<string, unknown>): string =>
  `${Object.entries(obj).map(([k, v]) => `${k}: ${yamlValue(v)}`).join('\n')}\n`;

export async function writeDemoLibrary(dir: string): Promise<{ files: number; bytes: number }> {
  const lib = new Library(dir);
  await mkdir(dir, { recursive: true });
  const rng = new Prng(20261030);
  await writeMlflow(lib, rng);
  await writeHuggingFace(lib, rng);
  await writeLightning(lib, rng);
  await writeUltralytics(lib, rng);
  await writeGgufModel(lib, rng);
  await writeOnnxModels(lib, rng);
  await writeDatasets(lib, rng);
  await writeExtras(lib, at);
  await lib.write('README.md', '# ML share\n\nTeam models, runs and datasets. Ask Maria before deleting anything in `mlruns/`.\n', at(150));
  await lib.stamp();
  return { files: lib.files, bytes: lib.bytes };
}

// ---------------------------------------------------------------------------------------------

async function writeMlflow(lib: Library, rng: Prng): Promise<void> {
  const created = at(120, 9);
  await lib.write('mlruns/0/meta.yaml', yaml({
    artifact_location: `${SHARE_ROOT}/mlruns/0`, creation_time: created, experiment_id: '0',
    last_update_time: created, lifecycle_stage: 'active', name: 'Default',
  }), created);
  await lib.write('mlruns/1/meta.yaml', yaml({
    artifact_location: `${SHARE_ROOT}/mlruns/1`, creation_time: created, experiment_id: '1',
    last_update_time: at(40), lifecycle_stage: 'active', name: 'churn-prediction',
  }), created);

  const datasetDigest = rng.hex(8);
  const datasetId = rng.hex(32);
  await lib.write(`mlruns/1/datasets/${datasetId}/meta.yaml`, [
    `digest: ${datasetDigest}`,
    'name: sales-2025',
    "profile: '{\"num_rows\": 365, \"num_elements\": 2555}'",
    `schema: '{"mlflow_colspec": [{"type": "string", "name": "date"}, {"type": "string", "name": "region"}, {"type": "long", "name": "units"}, {"type": "double", "name": "revenue"}]}'`,
    'source: \'{"uri": "/mnt/ml-share/datasets/sales-2025.csv"}\'',
    'source_type: local',
    '',
  ].join('\n'), at(110));

  const runs = [
    { name: 'bold-owl-417', user: 'maria', days: 110, lr: 0.1, depth: 4, trees: 100, final: 0.842, status: 3 },
    { name: 'calm-fox-902', user: 'maria', days: 75, lr: 0.05, depth: 6, trees: 200, final: 0.871, status: 3 },
    { name: 'keen-elk-233', user: 'tom', days: 40, lr: 0.03, depth: 8, trees: 400, final: 0.889, status: 3 },
  ];
  const runIds: string[] = [];
  for (const r of runs) {
    const id = rng.hex(32);
    runIds.push(id);
    const start = at(r.days, 14);
    const end = start + 1000 * 60 * rng.int(8, 40);
    const base = `mlruns/1/${id}`;
    await lib.write(`${base}/meta.yaml`, yaml({
      artifact_uri: `${SHARE_ROOT}/mlruns/1/${id}/artifacts`, end_time: end, entry_point_name: '',
      experiment_id: '1', lifecycle_stage: 'active', run_id: id, run_name: r.name, run_uuid: id,
      source_name: '', source_type: 4, source_version: '', start_time: start, status: r.status, user_id: r.user,
    }), end);
    const params: Record<string, string> = {
      learning_rate: String(r.lr), max_depth: String(r.depth), n_estimators: String(r.trees),
      subsample: '0.8', random_state: '42',
    };
    for (const [k, v] of Object.entries(params)) await lib.write(`${base}/params/${k}`, v, start);
    const tags: Record<string, string> = {
      'mlflow.runName': r.name, 'mlflow.user': r.user, 'mlflow.source.name': 'train_churn.py',
      'mlflow.source.type': 'LOCAL', 'mlflow.source.git.commit': rng.hex(40), team: 'growth',
    };
    for (const [k, v] of Object.entries(tags)) await lib.write(`${base}/tags/${k}`, v, start);
    const series: Record<string, string[]> = { loss: [], accuracy: [], val_loss: [], val_accuracy: [] };
    for (let step = 0; step < 50; step++) {
      const ts = start + step * 12_000;
      const p = 1 - Math.exp(-step / 12);
      const noise = () => rng.normal() * 0.004;
      const loss = 0.69 - (0.69 - (1 - r.final) * 1.6) * p + noise();
      const acc = 0.5 + (r.final - 0.5) * p + noise();
      series.loss?.push(`${ts} ${loss.toFixed(6)} ${step}`);
      series.accuracy?.push(`${ts} ${acc.toFixed(6)} ${step}`);
      if (step % 5 === 4) {
        series.val_loss?.push(`${ts} ${(loss + 0.02 + noise()).toFixed(6)} ${step}`);
        series.val_accuracy?.push(`${ts} ${(acc - 0.01 + noise()).toFixed(6)} ${step}`);
      }
    }
    for (const [k, lines] of Object.entries(series)) await lib.write(`${base}/metrics/${k}`, `${lines.join('\n')}\n`, end);
    await lib.write(`${base}/inputs/${rng.hex(32)}/meta.yaml`, [
      `destination_id: ${id}`, 'destination_type: RUN', `source_id: ${datasetId}`, 'source_type: DATASET',
      'tags:', '  mlflow.data.context: training', '',
    ].join('\n'), start);

    const modelPkl = pickle(new PyObject('sklearn.ensemble._gb', 'GradientBoostingClassifier', {
      learning_rate: new Float(r.lr), max_depth: r.depth, n_estimators: r.trees, subsample: new Float(0.8),
      random_state: 42, n_features_in_: 7, feature_names_in_: null, _sklearn_version: '1.5.2',
    }));
    const art = `${base}/artifacts/model`;
    await lib.write(`${art}/MLmodel`, [
      'artifact_path: model',
      'flavors:',
      '  python_function:',
      '    env:',
      '      conda: conda.yaml',
      '      virtualenv: python_env.yaml',
      '    loader_module: mlflow.sklearn',
      '    model_path: model.pkl',
      '    predict_fn: predict',
      '    python_version: 3.11.9',
      '  sklearn:',
      '    code: null',
      '    pickled_model: model.pkl',
      '    serialization_format: cloudpickle',
      '    sklearn_version: 1.5.2',
      'mlflow_version: 2.17.2',
      `model_size_bytes: ${modelPkl.length}`,
      `model_uuid: ${rng.hex(32)}`,
      `run_id: ${id}`,
      'signature:',
      `  inputs: '[{"type": "double", "name": "tenure_months", "required": true}, {"type": "double", "name": "monthly_spend", "required": true}]'`,
      `  outputs: '[{"type": "long", "required": true}]'`,
      '  params: null',
      `utc_time_created: '${new Date(end).toISOString().replace('T', ' ').replace('Z', '')}'`,
      '',
    ].join('\n'), end);
    await lib.write(`${art}/model.pkl`, modelPkl, end);
    await lib.write(`${art}/conda.yaml`, 'channels:\n- conda-forge\ndependencies:\n- python=3.11.9\n- pip\n- pip:\n  - mlflow==2.17.2\n  - scikit-learn==1.5.2\nname: mlflow-env\n', end);
    await lib.write(`${art}/python_env.yaml`, 'python: 3.11.9\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n', end);
    await lib.write(`${art}/requirements.txt`, 'mlflow==2.17.2\nscikit-learn==1.5.2\n', end);
  }

  // Model registry
  const reg = 'mlruns/models/churn-classifier';
  await lib.write(`${reg}/meta.yaml`, yaml({
    creation_timestamp: at(108), description: 'Predicts customer churn from 90 days of account activity.',
    last_updated_timestamp: at(38), name: 'churn-classifier',
  }), at(38));
  const stages = ['Archived', 'Staging', 'Production'];
  for (let v = 1; v <= 3; v++) {
    const id = runIds[v - 1] as string;
    const t = at([108, 73, 38][v - 1] as number, 16);
    await lib.write(`${reg}/version-${v}/meta.yaml`, yaml({
      creation_timestamp: t, current_stage: stages[v - 1], description: v === 3 ? 'Deeper trees, +1.8 pt accuracy' : '',
      last_updated_timestamp: v === 3 ? at(38) : at(40), name: 'churn-classifier', run_id: id, run_link: '',
      source: `${SHARE_ROOT}/mlruns/1/${id}/artifacts/model`, status: 'READY', status_message: '',
      storage_location: `${SHARE_ROOT}/mlruns/1/${id}/artifacts/model`, user_id: v === 3 ? 'tom' : 'maria', version: v,
    }), t);
  }
  await lib.write(`${reg}/aliases/champion`, '3', at(38));
  await lib.write(`${reg}/tags/team`, 'growth', at(108));
}

// ---------------------------------------------------------------------------------------------

async function writeHuggingFace(lib: Library, rng: Prng): Promise<void> {
  const base = 'huggingface/sentiment-bert-small';
  const t = at(55, 11);
  const hidden = 64;
  const vocab = 1000;
  const config = {
    _name_or_path: 'google-bert/bert-base-uncased',
    architectures: ['BertForSequenceClassification'],
    attention_probs_dropout_prob: 0.1,
    hidden_act: 'gelu',
    hidden_size: hidden,
    id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' },
    label2id: { negative: 0, neutral: 1, positive: 2 },
    intermediate_size: 128,
    max_position_embeddings: 128,
    model_type: 'bert',
    num_attention_heads: 2,
    num_hidden_layers: 1,
    pad_token_id: 0,
    problem_type: 'single_label_classification',
    torch_dtype: 'float32',
    transformers_version: '4.46.3',
    vocab_size: vocab,
  };
  await lib.write(`${base}/config.json`, `${JSON.stringify(config, null, 2)}\n`, t);
  const F = (name: string, shape: number[], dtype: 'F32' | 'F16' = 'F32', scale = 0.02) => ({
    name, dtype, shape, values: randn(rng, shape.reduce((a, b) => a * b, 1), scale),
  });
  const tensors = [
    F('bert.embeddings.word_embeddings.weight', [vocab, hidden]),
    F('bert.embeddings.position_embeddings.weight', [128, hidden]),
    F('bert.embeddings.token_type_embeddings.weight', [2, hidden]),
    F('bert.embeddings.LayerNorm.weight', [hidden], 'F32', 0.01),
    F('bert.embeddings.LayerNorm.bias', [hidden], 'F32', 0.01),
    F('bert.encoder.layer.0.attention.self.query.weight', [hidden, hidden], 'F16'),
    F('bert.encoder.layer.0.attention.self.key.weight', [hidden, hidden], 'F16'),
    F('bert.encoder.layer.0.attention.self.value.weight', [hidden, hidden], 'F16'),
    F('bert.encoder.layer.0.intermediate.dense.weight', [128, hidden], 'F16'),
    F('bert.encoder.layer.0.output.dense.weight', [hidden, 128], 'F16'),
    F('bert.pooler.dense.weight', [hidden, hidden]),
    F('classifier.weight', [3, hidden]),
    F('classifier.bias', [3]),
  ];
  await lib.write(`${base}/model.safetensors`, writeSafetensors(tensors), t);

  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const words = ['the', 'a', 'great', 'bad', 'good', 'terrible', 'product', 'service', 'delivery', 'love', 'hate',
    'fast', 'slow', 'quality', 'price', 'would', 'buy', 'again', 'never', 'not', 'very', 'ok', 'broken', 'works',
    'support', 'refund', 'happy', 'disappointed', 'recommend', 'late', 'cheap', 'excellent', 'awful', 'fine'];
  const vocabMap: Record<string, number> = {};
  const add = (tok: string) => {
    if (!(tok in vocabMap)) vocabMap[tok] = Object.keys(vocabMap).length;
  };
  for (const s of specials) add(s);
  for (const w of words) add(w);
  for (let c = 97; c <= 122; c++) {
    add(String.fromCharCode(c));
    add(`##${String.fromCharCode(c)}`);
  }
  while (Object.keys(vocabMap).length < vocab) {
    const len = rng.int(2, 5);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(97 + rng.int(0, 25));
    add(rng.next() < 0.4 ? `##${s}` : s);
  }
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: vocabMap },
  };
  await lib.write(`${base}/tokenizer.json`, JSON.stringify(tokenizer), t);
  await lib.write(`${base}/tokenizer_config.json`, `${JSON.stringify({ do_lower_case: true, model_max_length: 128, tokenizer_class: 'BertTokenizer', cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }, null, 2)}\n`, t);
  await lib.write(`${base}/special_tokens_map.json`, `${JSON.stringify({ cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]' }, null, 2)}\n`, t);

  const logHistory: Record<string, number>[] = [];
  for (let step = 50; step <= 600; step += 50) {
    const epoch = step / 200;
    logHistory.push({ epoch, grad_norm: Number((2.5 * Math.exp(-step / 300) + 0.3).toFixed(4)), learning_rate: Number((5e-5 * (1 - step / 600)).toExponential(4)), loss: Number((1.1 * Math.exp(-step / 250) + 0.25).toFixed(4)), step });
    if (step % 200 === 0) logHistory.push({ epoch, eval_accuracy: Number((0.78 + 0.03 * epoch).toFixed(4)), eval_f1: Number((0.76 + 0.03 * epoch).toFixed(4)), eval_loss: Number((0.62 - 0.08 * epoch).toFixed(4)), eval_runtime: 3.21, step });
  }
  await lib.write(`${base}/trainer_state.json`, `${JSON.stringify({
    best_metric: 0.8671, best_model_checkpoint: 'outputs/checkpoint-600', epoch: 3.0, eval_steps: 200,
    global_step: 600, is_local_process_zero: true, is_world_process_zero: true, log_history: logHistory,
    logging_steps: 50, max_steps: 600, num_train_epochs: 3, train_batch_size: 32,
  }, null, 2)}\n`, t);
  await lib.write(`${base}/README.md`, `---
license: apache-2.0
language:
- en
library_name: transformers
pipeline_tag: text-classification
base_model: google-bert/bert-base-uncased
base_model_relation: finetune
datasets:
- customer-reviews
metrics:
- accuracy
- f1
tags:
- sentiment
- customer-support
model-index:
- name: sentiment-bert-small
  results:
  - task:
      type: text-classification
      name: Text Classification
    dataset:
      type: customer-reviews
      name: Customer reviews (internal)
      split: test
    metrics:
    - type: accuracy
      value: 0.8671
      name: Accuracy
    - type: f1
      value: 0.8512
      name: Macro F1
---

# sentiment-bert-small

A small BERT fine-tuned on our customer review export to route tickets by sentiment
(negative / neutral / positive). Trained for 3 epochs, lr 5e-5, batch 32.

## Intended use
Internal triage only. Not evaluated on non-English text.
`, t);
}

// ---------------------------------------------------------------------------------------------

function cnnStateDict(rng: Prng, classes: number, width: number): OrderedDict {
  const T = (shape: number[], scale = 0.05) => new Tensor('F32', shape, randn(rng, shape.reduce((a, b) => a * b, 1), scale));
  return new OrderedDict([
    ['model.conv1.weight', T([width, 3, 3, 3])],
    ['model.conv1.bias', T([width])],
    ['model.bn1.weight', T([width])],
    ['model.bn1.bias', T([width])],
    ['model.bn1.num_batches_tracked', new Tensor('I64', [], [500])],
    ['model.conv2.weight', T([width * 2, width, 3, 3])],
    ['model.conv2.bias', T([width * 2])],
    ['model.fc.weight', T([classes, width * 2])],
    ['model.fc.bias', T([classes])],
  ]);
}

async function writeLightning(lib: Library, rng: Prng): Promise<void> {
  const versions = [
    { v: 0, days: 90, lr: 0.001, width: 8, finalAcc: 0.81 },
    { v: 1, days: 62, lr: 0.0005, width: 16, finalAcc: 0.87 },
  ];
  for (const ver of versions) {
    const base = `lightning/defect-detector/lightning_logs/version_${ver.v}`;
    const t = at(ver.days, 18);
    const hp = { lr: ver.lr, backbone: 'simple-cnn', width: ver.width, num_classes: 4, batch_size: 32, max_epochs: 10, optimizer: 'adam' };
    await lib.write(`${base}/hparams.yaml`, yaml(hp), at(ver.days, 9));
    const rows = ['epoch,step,train_loss,val_acc,val_loss'];
    for (let epoch = 0; epoch < 10; epoch++) {
      for (let k = 1; k <= 2; k++) {
        const step = epoch * 50 + k * 25 - 1;
        const loss = 1.4 * Math.exp(-step / 150) + 0.2 + rng.normal() * 0.02;
        rows.push(`${epoch},${step},${loss.toFixed(6)},,`);
      }
      const acc = 0.4 + (ver.finalAcc - 0.4) * (1 - Math.exp(-(epoch + 1) / 3)) + rng.normal() * 0.005;
      rows.push(`${epoch},${epoch * 50 + 49},,${acc.toFixed(6)},${(1.2 - acc).toFixed(6)}`);
    }
    await lib.write(`${base}/metrics.csv`, `${rows.join('\n')}\n`, t);
    const ckpt: PickleValue = {
      epoch: 9,
      global_step: 500,
      'pytorch-lightning_version': '2.4.0',
      state_dict: cnnStateDict(rng, 4, ver.width),
      loops: { fit_loop: { 'epoch_loop.state_dict': { _batches_that_stepped: 500 } } },
      callbacks: { "ModelCheckpoint{'monitor': None, 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}": { best_model_score: null, best_model_path: `${base}/checkpoints/epoch=9-step=500.ckpt` } },
      optimizer_states: [{ state: {}, param_groups: [{ lr: new Float(ver.lr), betas: [new Float(0.9), new Float(0.999)], eps: new Float(1e-8), weight_decay: new Float(0), params: [0, 1, 2, 3, 4, 5, 6, 7] }] }],
      lr_schedulers: [],
      hparams_name: 'kwargs',
      hyper_parameters: { ...hp, lr: new Float(ver.lr) },
    };
    await lib.write(`${base}/checkpoints/epoch=9-step=500.ckpt`, torchSave('epoch=9-step=500', ckpt), t);
  }
}

async function writeUltralytics(lib: Library, rng: Prng): Promise<void> {
  const base = 'runs/detect/shelf-yolo';
  const start = at(30, 10);
  const args: Record<string, unknown> = {
    task: 'detect', mode: 'train', model: 'yolo11n.pt', data: 'datasets/product-photos/shelf.yaml', epochs: 30,
    time: 'null', patience: 100, batch: 16, imgsz: 640, save: true, save_period: -1, cache: false, device: '0',
    workers: 8, project: 'runs/detect', name: 'shelf-yolo', exist_ok: false, pretrained: true, optimizer: 'auto',
    seed: 0, deterministic: true, single_cls: false, rect: false, cos_lr: false, close_mosaic: 10, amp: true,
    lr0: 0.01, lrf: 0.01, momentum: 0.937, weight_decay: 0.0005, warmup_epochs: 3.0, box: 7.5, cls: 0.5, dfl: 1.5,
    hsv_h: 0.015, hsv_s: 0.7, hsv_v: 0.4, degrees: 0.0, translate: 0.1, scale: 0.5, fliplr: 0.5, mosaic: 1.0,
    save_dir: 'runs/detect/shelf-yolo',
  };
  const floatKeys = ['warmup_epochs', 'degrees', 'mosaic'];
  const argLines = Object.entries(args).map(([k, v]) => `${k}: ${typeof v === 'number' && floatKeys.includes(k) ? v.toFixed(1) : v}`);
  await lib.write(`${base}/args.yaml`, `${argLines.join('\n')}\n`, start);
  const cols = ['epoch', 'train/box_loss', 'train/cls_loss', 'train/dfl_loss', 'metrics/precision(B)', 'metrics/recall(B)',
    'metrics/mAP50(B)', 'metrics/mAP50-95(B)', 'val/box_loss', 'val/cls_loss', 'val/dfl_loss', 'lr/pg0', 'lr/pg1', 'lr/pg2'];
  const pad = (s: string) => s.padStart(23);
  const lines = [cols.map(pad).join(',')];
  let best = 0;
  for (let e = 1; e <= 30; e++) {
    const p = 1 - Math.exp(-e / 8);
    const n = () => rng.normal() * 0.005;
    const map50 = 0.2 + 0.62 * p + n();
    best = Math.max(best, map50);
    const vals = [e, 1.6 - 0.6 * p + n(), 2.8 - 2.0 * p + n(), 1.4 - 0.3 * p + n(), 0.3 + 0.55 * p + n(), 0.25 + 0.5 * p + n(),
      map50, 0.1 + 0.45 * p + n(), 1.5 - 0.5 * p + n(), 2.5 - 1.8 * p + n(), 1.35 - 0.25 * p + n(),
      0.0033 * (1 - e / 31), 0.0033 * (1 - e / 31), 0.0033 * (1 - e / 31)];
    lines.push(vals.map((v, i) => pad(i === 0 ? String(v) : Number(v.toPrecision(5)).toString())).join(','));
  }
  const end = start + 3 * 3_600_000;
  await lib.write(`${base}/results.csv`, `${lines.join('\n')}\n`, end);
  const trainArgs: Record<string, PickleValue> = {};
  for (const [k, v] of Object.entries(args)) trainArgs[k] = typeof v === 'number' && !Number.isInteger(v) ? new Float(v) : (v as PickleValue);
  for (const which of ['best', 'last'] as const) {
    const ckpt: PickleValue = {
      date: new Date(end).toISOString(),
      version: '8.3.40',
      license: 'AGPL-3.0 License (https://ultralytics.com/license)',
      docs: 'https://docs.ultralytics.com',
      epoch: -1,
      best_fitness: new Float(Number(best.toFixed(5))),
      model: cnnStateDict(rng, 5, 8),
      ema: null,
      updates: 1500,
      optimizer: null,
      train_args: trainArgs,
      train_metrics: { 'metrics/mAP50(B)': new Float(Number(best.toFixed(5))) },
    };
    await lib.write(`${base}/weights/${which}.pt`, torchSave(which, ckpt), which === 'best' ? end - 600_000 : end);
  }
}

// ---------------------------------------------------------------------------------------------

async function writeGgufModel(lib: Library, rng: Prng): Promise<void> {
  const tokens = tinyLlamaTokens();
  const kv = tinyLlamaKv(tokens, 15, "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n{% endfor %}<|assistant|>\n");
  const f32 = (count: number) => {
    const b = new Uint8Array(count * 4);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < count; i++) dv.setFloat32(i * 4, 1 + rng.normal() * 0.01, true);
    return b;
  };
  // Q8_0: 34 bytes per 32 values; Q4_K: 144 bytes per 256; Q6_K: 210 bytes per 256 (ne0 must be a
  // multiple of the block size, so the 64-wide tensors use Q8_0 as llama.cpp falls back to).
  const tensors = [
    { name: 'token_embd.weight', dims: [64, 256], type: 8, data: rng.bytes(((64 * 256) / 32) * 34) },
    { name: 'blk.0.ffn_gate.weight', dims: [256, 64], type: 12, data: rng.bytes(((256 * 64) / 256) * 144) },
    { name: 'blk.0.attn_norm.weight', dims: [64], type: 0, data: f32(64) },
    { name: 'blk.0.ffn_down.weight', dims: [256, 64], type: 14, data: rng.bytes((256 * 64 / 256) * 210) },
    { name: 'output_norm.weight', dims: [64], type: 0, data: f32(64) },
    { name: 'output.weight', dims: [64, 256], type: 8, data: rng.bytes(((64 * 256) / 32) * 34) },
  ];
  await lib.write('gguf/tiny-llama-chat-Q4_K_M.gguf', writeGguf(kv, tensors), at(20, 15));
}

async function writeOnnxModels(lib: Library, rng: Prng): Promise<void> {
  const specs = [
    { v: 1, days: 28, opset: 13, ir: 7, torch: '2.1.2', hidden: 16 },
    { v: 2, days: 12, opset: 17, ir: 8, torch: '2.4.1', hidden: 32 },
  ];
  for (const s of specs) {
    const init = (name: string, dims: number[]) => ({ name, dims, values: randn(rng, dims.reduce((a, b) => a * b, 1), 0.1) });
    const bytes = writeOnnx({
      irVersion: s.ir,
      producerVersion: s.torch,
      opset: s.opset,
      modelVersion: s.v,
      docString: `Shelf detector head v${s.v}, exported from runs/detect/shelf-yolo`,
      graphName: 'main_graph',
      input: { name: 'images', shape: ['batch', 64] },
      output: { name: 'logits', shape: ['batch', 5] },
      nodes: [
        { op: 'MatMul', inputs: ['images', 'fc1.weight'], outputs: ['/fc1/MatMul_output_0'], name: '/fc1/MatMul' },
        { op: 'Add', inputs: ['/fc1/MatMul_output_0', 'fc1.bias'], outputs: ['/fc1/Add_output_0'], name: '/fc1/Add' },
        { op: 'Relu', inputs: ['/fc1/Add_output_0'], outputs: ['/relu/Relu_output_0'], name: '/relu/Relu' },
        { op: 'MatMul', inputs: ['/relu/Relu_output_0', 'fc2.weight'], outputs: ['/fc2/MatMul_output_0'], name: '/fc2/MatMul' },
        { op: 'Add', inputs: ['/fc2/MatMul_output_0', 'fc2.bias'], outputs: ['logits'], name: '/fc2/Add' },
      ],
      initializers: [init('fc1.weight', [64, s.hidden]), init('fc1.bias', [s.hidden]), init('fc2.weight', [s.hidden, 5]), init('fc2.bias', [5])],
      metadata: { author: 'vision-team', source_checkpoint: 'runs/detect/shelf-yolo/weights/best.pt', classes: 'cereal,drinks,snacks,dairy,other', version: `v${s.v}` },
    });
    await lib.write(`onnx/shelf-detector/v${s.v}/model.onnx`, bytes, at(s.days, 17));
  }
}

// ---------------------------------------------------------------------------------------------

async function writeDatasets(lib: Library, rng: Prng): Promise<void> {
  const phrases = {
    positive: ['Great product, would buy again', 'Fast delivery and excellent quality', 'Support solved my issue in minutes', 'Love it, works as described', 'Very happy with the price'],
    neutral: ['It is ok, nothing special', 'Arrived on time, packaging was fine', 'Does what it says', 'Average quality for the price', 'Not sure yet, will update'],
    negative: ['Arrived broken and support never answered', 'Terrible quality, asking for a refund', 'Delivery was two weeks late', 'Stopped working after a week', 'Disappointed, would not recommend'],
  } as const;
  const labels = ['negative', 'neutral', 'positive'] as const;
  const make = (count: number, startId: number) => {
    const ids: number[] = [];
    const texts: string[] = [];
    const ls: string[] = [];
    const ratings: number[] = [];
    for (let i = 0; i < count; i++) {
      const label = rng.pick(labels);
      ids.push(startId + i);
      texts.push(`${rng.pick(phrases[label])}.${rng.next() < 0.3 ? ` Order #${rng.int(10000, 99999)}.` : ''}`);
      ls.push(label);
      ratings.push(label === 'positive' ? rng.int(4, 5) : label === 'neutral' ? 3 : rng.int(1, 2));
    }
    return writeParquet([
      { name: 'review_id', type: 'int64', values: ids },
      { name: 'text', type: 'string', values: texts },
      { name: 'rating', type: 'int32', values: ratings },
      { name: 'label', type: 'string', values: ls },
    ], {
      huggingface: JSON.stringify({ info: { features: { review_id: { dtype: 'int64', _type: 'Value' }, text: { dtype: 'string', _type: 'Value' }, rating: { dtype: 'int32', _type: 'Value' }, label: { dtype: 'string', _type: 'Value' } } } }),
    });
  };
  const dsT = at(70, 12);
  await lib.write('datasets/customer-reviews/train.parquet', make(2000, 1), dsT);
  await lib.write('datasets/customer-reviews/test.parquet', make(500, 100001), dsT);
  await lib.write('datasets/customer-reviews/README.md', `---
license: cc-by-nc-4.0
language:
- en
task_categories:
- text-classification
size_categories:
- 1K<n<10K
pretty_name: Customer reviews (internal)
dataset_info:
  features:
  - name: review_id
    dtype: int64
  - name: text
    dtype: string
  - name: rating
    dtype: int32
  - name: label
    dtype: string
  splits:
  - name: train
    num_examples: 2000
  - name: test
    num_examples: 500
configs:
- config_name: default
  data_files:
  - split: train
    path: train.parquet
  - split: test
    path: test.parquet
---

# Customer reviews

Anonymised product reviews exported from the support desk (Jan–Jun 2026), labelled by sentiment.
Personal data removed; order numbers are synthetic.
`, dsT);

  const regions = ['north', 'south', 'east', 'west'];
  const products = ['starter', 'pro', 'team', 'enterprise'];
  const prices: Record<string, number> = { starter: 9.99, pro: 29.99, team: 79, enterprise: 249 };
  const rows = ['date,region,product,units,unit_price,revenue,customer_id'];
  for (let d = 0; d < 365; d++) {
    const date = new Date(Date.UTC(2025, 0, 1) + d * DAY).toISOString().slice(0, 10);
    const product = rng.pick(products);
    const units = rng.int(1, 40);
    const price = prices[product] as number;
    rows.push(`${date},${rng.pick(regions)},${product},${units},${price},${(units * price).toFixed(2)},C${rng.int(1000, 9999)}`);
  }
  await lib.write('datasets/sales-2025.csv', `${rows.join('\n')}\n`, at(100, 8));

  const classes: [string, [number, number, number]][] = [['cat_a', [200, 60, 50]], ['cat_b', [50, 160, 70]], ['cat_c', [60, 80, 200]]];
  for (const [cls, [r, g, b]] of classes) {
    for (let i = 0; i < 8; i++) {
      const cx = rng.int(8, 24);
      const cy = rng.int(8, 24);
      const png = writePng(32, 32, (x, y) => {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < 64;
        const n = rng.int(-12, 12);
        return inside ? [clamp(r + n), clamp(g + n), clamp(b + n)] : [clamp(235 + n), clamp(235 + n), clamp(230 + n)];
      });
      await lib.write(`datasets/product-photos/${cls}/${String(i + 1).padStart(4, '0')}.png`, png, at(85 - i, 13));
    }
  }
  await lib.write('datasets/product-photos/shelf.yaml', 'path: datasets/product-photos\ntrain: .\nval: .\nnames:\n  0: cat_a\n  1: cat_b\n  2: cat_c\n', at(86));
}

const clamp = (v: number) => Math.max(0, Math.min(255, v));
