// More of what a small team's share holds, so every reader and the run/lineage indexers have real
// input: TensorBoard event files, a second MLflow dataset input, a Hugging Face Trainer output folder
// with checkpoints, a DVC pipeline with DVCLive, a Q8_0 GGUF sibling, a PEFT adapter, COCO and YOLO
// datasets (the YOLO `download:` snippet is data that nothing ever runs), and a Keras 3 model with its
// CSVLogger file. Written after everything else with its own seeded PRNG, so the older demo files are
// byte-for-byte what they were.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ByteWriter, utf8 } from './binary';
import { writePng, writeParquet } from './data-writers';
import { writeHdf5 } from './hdf5-writer';
import { type StTensor, writeGguf, writeSafetensors } from './model-writers';
import { Prng } from './prng';
import { tinyLlamaKv, tinyLlamaTokens } from './tiny-llama';
import { type ScalarPoint, eventRecord, scalarSummary, writeEventFile } from './tfevents-writer';
import { writeStoredZip } from './zip-writer';

export interface DemoWriter {
  readonly dir: string;
  write(rel: string, content: string | Uint8Array, mtimeMs: number): Promise<void>;
}

type At = (daysAgo: number, hour?: number) => number;

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function randn(rng: Prng, n: number, scale = 0.02): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

export async function writeExtras(lib: DemoWriter, at: At): Promise<void> {
  const rng = new Prng(20261101);
  await writeTensorboard(lib, at, rng);
  await writeMlflowEvalInput(lib, at, rng);
  await writeTrainerOutput(lib, at, rng);
  await writeDvcProject(lib, at, rng);
  await writeGgufQ8(lib, at, rng);
  await writePeftAdapter(lib, at, rng);
  await writeCocoAndYolo(lib, at, rng);
  await writeKerasModel(lib, at, rng);
}

// ---- TensorBoard next to the Lightning run -------------------------------------------------------

async function writeTensorboard(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const dir = 'lightning/defect-detector/tb_logs/version_1';
  const t0 = at(62, 9) / 1000;
  const points: ScalarPoint[] = [];
  for (let step = 0; step < 100; step++) {
    const wall = t0 + step * 6.5;
    const loss = 1.4 * Math.exp(-step / 30) + 0.18 + rng.normal() * 0.015;
    const acc = 0.35 + 0.52 * (1 - Math.exp(-step / 25)) + rng.normal() * 0.006;
    points.push({ tag: 'train/loss', step, wallTime: wall, value: loss }, { tag: 'train/accuracy', step, wallTime: wall, value: acc });
    if (step % 10 === 9) points.push({ tag: 'val/loss', step, wallTime: wall + 2, value: loss + 0.05 }, { tag: 'val/accuracy', step, wallTime: wall + 2, value: acc - 0.02 });
  }
  // PyTorch SummaryWriter style (simple_value), with the run's hyper-parameters.
  const host = 'gpu-box';
  await lib.write(`${dir}/events.out.tfevents.${Math.floor(t0)}.${host}.31337.0`, writeEventFile(points, 'simple', { hparams: { lr: 0.0005, width: 16, batch_size: 32, optimizer: 'adam', num_classes: 4 } }), at(62, 18));
  // TF2 tf.summary style: rank-0 tensors, "scalars" plugin on each tag's first value only.
  const t1 = t0 + 3600;
  const w = new ByteWriter().bytes(eventRecord(t1, 0, undefined, 'brain.Event:2'));
  for (let epoch = 0; epoch < 10; epoch++) {
    const wall = t1 + epoch * 60;
    w.bytes(eventRecord(wall, epoch, scalarSummary('epoch_loss', 1.2 * Math.exp(-epoch / 3) + 0.2, 'float_val', epoch === 0)));
    w.bytes(eventRecord(wall, epoch, scalarSummary('epoch_accuracy', 0.45 + 0.42 * (1 - Math.exp(-epoch / 3)), 'tensor_content', epoch === 0)));
    w.bytes(eventRecord(wall, epoch, scalarSummary('learning_rate', 0.0005 * 0.8 ** epoch, 'double_val', epoch === 0)));
  }
  await lib.write(`${dir}/events.out.tfevents.${Math.floor(t1)}.${host}.31337.1.v2`, w.toBytes(), at(62, 19));
}

// ---- MLflow: an evaluation dataset input for the production run --------------------------------

async function writeMlflowEvalInput(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  // Find the run by its name (ids come from the main generator's PRNG).
  const exp = path.join(lib.dir, 'mlruns', '1');
  let runId: string | null = null;
  for (const name of (await readdir(exp)).sort()) {
    if (!/^[0-9a-f]{32}$/.test(name)) continue;
    const meta = await readFile(path.join(exp, name, 'meta.yaml'), 'utf8');
    if (/^run_name: keen-elk-233$/m.test(meta)) runId = name;
  }
  if (!runId) throw new Error('demo: the keen-elk-233 run is missing');
  const rows = 200;
  const plans = ['starter', 'pro', 'team', 'enterprise'];
  const tenure: number[] = [];
  const spend: number[] = [];
  const plan: string[] = [];
  const churned: number[] = [];
  for (let i = 0; i < rows; i++) {
    const t = rng.int(1, 72);
    const p = rng.pick(plans);
    tenure.push(t);
    plan.push(p);
    spend.push(Math.round((10 + rng.next() * 240) * 100) / 100);
    churned.push(rng.next() < 0.25 - t / 400 ? 1 : 0);
  }
  const holdout = writeParquet([
    { name: 'tenure_months', type: 'int32', values: tenure },
    { name: 'monthly_spend', type: 'double', values: spend },
    { name: 'plan', type: 'string', values: plan },
    { name: 'churned', type: 'int32', values: churned },
  ]);
  await lib.write('datasets/churn-holdout-2026/holdout.parquet', holdout, at(45, 9));
  const datasetId = rng.hex(32);
  await lib.write(`mlruns/1/datasets/${datasetId}/meta.yaml`, [
    `digest: ${rng.hex(8)}`,
    'name: churn-holdout-2026',
    `profile: '{"num_rows": ${rows}, "num_elements": ${rows * 4}}'`,
    `schema: '{"mlflow_colspec": [{"type": "integer", "name": "tenure_months"}, {"type": "double", "name": "monthly_spend"}, {"type": "string", "name": "plan"}, {"type": "integer", "name": "churned"}]}'`,
    'source: \'{"uri": "/mnt/ml-share/datasets/churn-holdout-2026/holdout.parquet"}\'',
    'source_type: local',
    '',
  ].join('\n'), at(40, 14));
  await lib.write(`mlruns/1/${runId}/inputs/${rng.hex(32)}/meta.yaml`, [
    `destination_id: ${runId}`, 'destination_type: RUN', `source_id: ${datasetId}`, 'source_type: DATASET',
    'tags:', '  mlflow.data.context: evaluation', '',
  ].join('\n'), at(40, 14));
}

// ---- Hugging Face Trainer output with checkpoints -------------------------------------------------

function bertTensors(rng: Prng): StTensor[] {
  const hidden = 64;
  const F = (name: string, shape: number[], scale = 0.02): StTensor => ({ name, dtype: 'F16', shape, values: randn(rng, shape.reduce((a, b) => a * b, 1), scale) });
  return [
    F('bert.embeddings.word_embeddings.weight', [1000, hidden]),
    F('bert.embeddings.position_embeddings.weight', [128, hidden]),
    F('bert.embeddings.token_type_embeddings.weight', [2, hidden]),
    F('bert.embeddings.LayerNorm.weight', [hidden], 0.01),
    F('bert.embeddings.LayerNorm.bias', [hidden], 0.01),
    F('bert.encoder.layer.0.attention.self.query.weight', [hidden, hidden]),
    F('bert.encoder.layer.0.attention.self.key.weight', [hidden, hidden]),
    F('bert.encoder.layer.0.attention.self.value.weight', [hidden, hidden]),
    F('bert.encoder.layer.0.intermediate.dense.weight', [128, hidden]),
    F('bert.encoder.layer.0.output.dense.weight', [hidden, 128]),
    F('bert.pooler.dense.weight', [hidden, hidden]),
    F('classifier.weight', [3, hidden]),
    F('classifier.bias', [3]),
  ];
}

async function writeTrainerOutput(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const base = 'huggingface/sentiment-bert-small-training';
  const config = await readFile(path.join(lib.dir, 'huggingface/sentiment-bert-small/config.json'), 'utf8');
  const history: Array<Record<string, number | string>> = [];
  for (let step = 50; step <= 1000; step += 50) {
    const epoch = Number((step / 333.34).toFixed(4));
    history.push({
      epoch, grad_norm: step === 650 ? 'NaN' : Number((2.4 * Math.exp(-step / 400) + 0.35 + rng.normal() * 0.05).toFixed(4)),
      learning_rate: Number((5e-5 * (1 - step / 1000)).toExponential(4)), loss: Number((1.08 * Math.exp(-step / 300) + 0.24 + rng.normal() * 0.01).toFixed(4)), step,
    });
    if (step % 250 === 0) {
      history.push({ epoch, eval_accuracy: Number((0.74 + 0.12 * (1 - Math.exp(-step / 400))).toFixed(4)), eval_f1: Number((0.72 + 0.12 * (1 - Math.exp(-step / 400))).toFixed(4)), eval_loss: Number((0.7 - 0.25 * (1 - Math.exp(-step / 400))).toFixed(4)), eval_runtime: 3.4, eval_samples_per_second: 147.1, eval_steps_per_second: 4.6, step });
    }
  }
  history.push({ epoch: 3.0, step: 1000, total_flos: 2.1e13, train_loss: 0.4412, train_runtime: 612.3, train_samples_per_second: 52.3, train_steps_per_second: 1.63 });
  const state = (upTo: number) => {
    const rows = history.filter((h) => Number(h.step) <= upTo && (upTo === 1000 || !('train_runtime' in h)));
    const evals = rows.filter((h) => 'eval_accuracy' in h);
    const best = evals.reduce<Record<string, number | string> | null>((b, h) => (!b || Number(h.eval_accuracy) > Number(b.eval_accuracy) ? h : b), null);
    const text = JSON.stringify({
      best_global_step: best?.step ?? null, best_metric: best?.eval_accuracy ?? null,
      best_model_checkpoint: best ? `${base}/checkpoint-${Math.ceil(Number(best.step) / 500) * 500}` : null,
      epoch: Number((upTo / 333.34).toFixed(4)), eval_steps: 250, global_step: upTo, is_hyper_param_search: false, is_local_process_zero: true,
      is_world_process_zero: true, log_history: rows, logging_steps: 50, max_steps: 1000, num_input_tokens_seen: 0, num_train_epochs: 3,
      save_steps: 500, total_flos: upTo === 1000 ? 2.1e13 : 1.05e13, train_batch_size: 16, trial_name: null, trial_params: null,
    }, null, 2);
    // transformers writes json.dumps output: a diverged grad_norm is the bare word NaN.
    return `${text.replace(/"grad_norm": "NaN"/g, '"grad_norm": NaN')}\n`;
  };
  for (const step of [500, 1000]) {
    const t = at(step === 500 ? 52 : 51, 15);
    const dir = `${base}/checkpoint-${step}`;
    await lib.write(`${dir}/config.json`, config, t);
    await lib.write(`${dir}/model.safetensors`, writeSafetensors(bertTensors(rng)), t);
    await lib.write(`${dir}/trainer_state.json`, state(step), t);
  }
  const end = at(51, 16);
  await lib.write(`${base}/trainer_state.json`, state(1000), end);
  await lib.write(`${base}/train_results.json`, json({ epoch: 3.0, total_flos: 2.1e13, train_loss: 0.4412, train_runtime: 612.3, train_samples_per_second: 52.3, train_steps_per_second: 1.63 }), end);
  await lib.write(`${base}/all_results.json`, json({ epoch: 3.0, eval_accuracy: 0.8581, eval_f1: 0.8381, eval_loss: 0.4769, total_flos: 2.1e13, train_loss: 0.4412 }), end);
}

// ---- DVC pipeline with DVCLive --------------------------------------------------------------------

async function writeDvcProject(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const root = 'projects/review-sentiment';
  const t0 = at(33, 10);
  await lib.write(`${root}/.dvc/config`, "[core]\n    remote = nas\n['remote \"nas\"']\n    url = /mnt/ml-share/.dvc-cache\n", at(35, 9));
  await lib.write(`${root}/.dvcignore`, '# Add patterns of files dvc should ignore\n', at(35, 9));
  await lib.write(`${root}/params.yaml`, 'prepare:\n  max_len: 128\n  test_size: 0.2\ntrain:\n  lr: 5.0e-05\n  epochs: 3\n  batch_size: 32\n', at(35, 9));
  await lib.write(`${root}/src/prepare.py`, '"""Tokenise and split the review export. Run by `dvc repro`, never by Modelshelf."""\nimport sys\n\nsrc, out = sys.argv[1], sys.argv[2]\n', at(35, 9));
  await lib.write(`${root}/src/train.py`, '"""Fine-tune a small DistilBERT on the prepared reviews (logs with DVCLive)."""\nfrom dvclive import Live\n', at(35, 9));
  await lib.write(`${root}/dvc.yaml`, `stages:
  prepare:
    cmd: python src/prepare.py ../../datasets/customer-reviews data/reviews-prepared
    deps:
    - src/prepare.py
    - ../../datasets/customer-reviews
    params:
    - prepare
    outs:
    - data/reviews-prepared
  train:
    cmd: python src/train.py data/reviews-prepared models/sentiment-distil
    deps:
    - src/train.py
    - data/reviews-prepared
    params:
    - train
    outs:
    - models/sentiment-distil
    metrics:
    - dvclive/metrics.json:
        cache: false
    plots:
    - dvclive/plots/metrics:
        x: step
`, at(35, 9));
  const md5 = () => rng.hex(32);
  const prepared = `${md5()}.dir`;
  await lib.write(`${root}/dvc.lock`, `schema: '2.0'
stages:
  prepare:
    cmd: python src/prepare.py ../../datasets/customer-reviews data/reviews-prepared
    deps:
    - path: ../../datasets/customer-reviews
      hash: md5
      md5: ${md5()}.dir
      size: 161204
      nfiles: 3
    - path: src/prepare.py
      hash: md5
      md5: ${md5()}
      size: 101
    params:
      params.yaml:
        prepare:
          max_len: 128
          test_size: 0.2
    outs:
    - path: data/reviews-prepared
      hash: md5
      md5: ${prepared}
      size: 31980
      nfiles: 2
  train:
    cmd: python src/train.py data/reviews-prepared models/sentiment-distil
    deps:
    - path: data/reviews-prepared
      hash: md5
      md5: ${prepared}
      size: 31980
      nfiles: 2
    - path: src/train.py
      hash: md5
      md5: ${md5()}
      size: 102
    params:
      params.yaml:
        train:
          batch_size: 32
          epochs: 3
          lr: 5.0e-05
    outs:
    - path: models/sentiment-distil
      hash: md5
      md5: ${md5()}.dir
      size: 70211
      nfiles: 3
`, at(33, 17));
  // an imported file from a data registry (dvc import): lineage to something outside the share
  await lib.write(`${root}/data/stopwords-en.txt`, 'a\nan\nand\nthe\nof\nto\n', at(35, 9));
  await lib.write(`${root}/data/stopwords-en.txt.dvc`, `md5: ${md5()}
frozen: true
deps:
- path: nlp/stopwords-en.txt
  repo:
    url: https://github.com/acme/data-registry
    rev_lock: ${rng.hex(40)}
outs:
- md5: ${md5()}
  size: 25
  hash: md5
  path: stopwords-en.txt
`, at(35, 9));

  const texts = ['great product', 'arrived broken', 'it is ok', 'love it', 'never again', 'fast delivery', 'average quality'];
  const labels = ['positive', 'negative', 'neutral', 'positive', 'negative', 'positive', 'neutral'];
  const split = (n: number) => {
    const idx = Array.from({ length: n }, () => rng.int(0, texts.length - 1));
    return writeParquet([
      { name: 'text', type: 'string', values: idx.map((i) => texts[i] as string) },
      { name: 'label', type: 'string', values: idx.map((i) => labels[i] as string) },
      { name: 'length', type: 'int32', values: idx.map((i) => (texts[i] as string).length) },
    ]);
  };
  await lib.write(`${root}/data/reviews-prepared/train.parquet`, split(400), at(33, 11));
  await lib.write(`${root}/data/reviews-prepared/test.parquet`, split(100), at(33, 11));

  const dim = 32;
  const config = { _name_or_path: 'distilbert/distilbert-base-uncased', architectures: ['DistilBertForSequenceClassification'], dim, hidden_dim: 64, model_type: 'distilbert', n_heads: 2, n_layers: 1, vocab_size: 1000, max_position_embeddings: 128, id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, torch_dtype: 'float32', transformers_version: '4.46.3' };
  const T = (name: string, shape: number[]): StTensor => ({ name, dtype: 'F16', shape, values: randn(rng, shape.reduce((a, b) => a * b, 1)) });
  const modelDir = `${root}/models/sentiment-distil`;
  await lib.write(`${modelDir}/config.json`, json(config), at(33, 17));
  await lib.write(`${modelDir}/model.safetensors`, writeSafetensors([
    T('distilbert.embeddings.word_embeddings.weight', [1000, dim]), T('distilbert.embeddings.position_embeddings.weight', [128, dim]),
    T('distilbert.transformer.layer.0.attention.q_lin.weight', [dim, dim]), T('distilbert.transformer.layer.0.ffn.lin1.weight', [64, dim]),
    T('pre_classifier.weight', [dim, dim]), T('classifier.weight', [3, dim]), T('classifier.bias', [3]),
  ]), at(33, 17));
  await lib.write(`${modelDir}/README.md`, '---\nlibrary_name: transformers\nbase_model: distilbert/distilbert-base-uncased\nbase_model_relation: finetune\ndatasets:\n- reviews-prepared\npipeline_tag: text-classification\n---\n\n# sentiment-distil\n\nTrained by the `train` stage of `projects/review-sentiment/dvc.yaml`.\n', at(33, 17));

  const live = `${root}/dvclive`;
  const lossRows = ['timestamp\tstep\tloss'];
  const accRows = ['timestamp\tstep\taccuracy'];
  for (let step = 0; step < 30; step++) {
    const ts = t0 + step * 20_000;
    lossRows.push(`${ts}\t${step}\t${(1.05 * Math.exp(-step / 10) + 0.28 + rng.normal() * 0.01).toFixed(4)}`);
    if (step % 10 === 9) accRows.push(`${ts}\t${step}\t${(0.8 + 0.025 * ((step + 1) / 10)).toFixed(4)}`);
  }
  await lib.write(`${live}/plots/metrics/train/loss.tsv`, `${lossRows.join('\n')}\n`, at(33, 17));
  await lib.write(`${live}/plots/metrics/eval/accuracy.tsv`, `${accRows.join('\n')}\n`, at(33, 17));
  await lib.write(`${live}/metrics.json`, json({ train: { loss: 0.3114 }, eval: { accuracy: 0.875, f1: 0.861 }, step: 29 }), at(33, 17));
  await lib.write(`${live}/params.yaml`, 'lr: 5.0e-05\nepochs: 3\nbatch_size: 32\nmodel: distilbert/distilbert-base-uncased\n', at(33, 10));
}

// ---- GGUF Q8_0 sibling of the tiny llama -----------------------------------------------------------

async function writeGgufQ8(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const tokens = tinyLlamaTokens();
  const kv = tinyLlamaKv(tokens, 7);
  const q8 = (count: number) => rng.bytes((count / 32) * 34);
  const f32 = (count: number) => new ByteWriter().bytes(new Uint8Array(new Float32Array(count).fill(1).buffer)).toBytes();
  const tensors = [
    { name: 'token_embd.weight', dims: [64, 256], type: 8, data: q8(64 * 256) },
    { name: 'blk.0.ffn_gate.weight', dims: [256, 64], type: 8, data: q8(256 * 64) },
    { name: 'blk.0.attn_norm.weight', dims: [64], type: 0, data: f32(64) },
    { name: 'blk.0.ffn_down.weight', dims: [256, 64], type: 8, data: q8(256 * 64) },
    { name: 'output_norm.weight', dims: [64], type: 0, data: f32(64) },
    { name: 'output.weight', dims: [64, 256], type: 8, data: q8(64 * 256) },
  ];
  await lib.write('gguf/tiny-llama-chat-Q8_0.gguf', writeGguf(kv, tensors), at(19, 11));
}

// ---- PEFT adapter -----------------------------------------------------------------------------------

async function writePeftAdapter(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const dir = 'huggingface/sentiment-bert-small-lora';
  const t = at(26, 14);
  await lib.write(`${dir}/adapter_config.json`, json({
    base_model_name_or_path: '/mnt/ml-share/huggingface/sentiment-bert-small', bias: 'none', fan_in_fan_out: false, inference_mode: true,
    lora_alpha: 16, lora_dropout: 0.1, modules_to_save: ['classifier'], peft_type: 'LORA', r: 8, target_modules: ['query', 'value'], task_type: 'SEQ_CLS',
  }), t);
  const T = (name: string, shape: number[]): StTensor => ({ name, dtype: 'F32', shape, values: randn(rng, shape.reduce((a, b) => a * b, 1), 0.01) });
  const p = 'base_model.model.bert.encoder.layer.0.attention.self';
  await lib.write(`${dir}/adapter_model.safetensors`, writeSafetensors([
    T(`${p}.query.lora_A.weight`, [8, 64]), T(`${p}.query.lora_B.weight`, [64, 8]),
    T(`${p}.value.lora_A.weight`, [8, 64]), T(`${p}.value.lora_B.weight`, [64, 8]),
    T('base_model.model.classifier.modules_to_save.default.weight', [3, 64]), T('base_model.model.classifier.modules_to_save.default.bias', [3]),
  ]), t);
  await lib.write(`${dir}/README.md`, '---\nlibrary_name: peft\nbase_model: /mnt/ml-share/huggingface/sentiment-bert-small\nbase_model_relation: adapter\n---\n\n# sentiment-bert-small-lora\n\nLoRA (r=8) on query/value for the support-ticket router.\n', t);
}

// ---- COCO and YOLO datasets ---------------------------------------------------------------------------

const CLASSES = ['cereal', 'drinks', 'snacks'] as const;
const COLORS: [number, number, number][] = [[200, 60, 50], [50, 160, 70], [60, 80, 200]];
const clamp = (v: number) => Math.max(0, Math.min(255, v));

function photo(rng: Prng, cls: number): { png: Uint8Array; box: [number, number, number, number] } {
  const cx = rng.int(8, 24);
  const cy = rng.int(8, 24);
  const [r, g, b] = COLORS[cls] as [number, number, number];
  const png = writePng(32, 32, (x, y) => {
    const inside = Math.abs(x - cx) < 6 && Math.abs(y - cy) < 8;
    const n = rng.int(-10, 10);
    return inside ? [clamp(r + n), clamp(g + n), clamp(b + n)] : [clamp(235 + n), clamp(235 + n), clamp(230 + n)];
  });
  return { png, box: [cx - 6, cy - 8, 12, 16] };
}

/** Never run by Modelshelf: if it were, it would leave this file behind (tests check it is absent). */
export const YOLO_DOWNLOAD_CANARY = '/tmp/modelshelf-yolo-download-ran';

async function writeCocoAndYolo(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const coco = 'datasets/shelf-coco';
  const images: unknown[] = [];
  const annotations: unknown[] = [];
  for (let i = 1; i <= 6; i++) {
    const cls = (i - 1) % 3;
    const { png, box } = photo(rng, cls);
    const file = `${String(i).padStart(6, '0')}.png`;
    await lib.write(`${coco}/images/${file}`, png, at(58 - i, 12));
    images.push({ id: i, file_name: file, width: 32, height: 32, date_captured: new Date(at(58 - i, 12)).toISOString().slice(0, 19).replace('T', ' ') });
    annotations.push({ id: i, image_id: i, category_id: cls + 1, bbox: box, area: box[2] * box[3], iscrowd: 0, segmentation: [] });
  }
  await lib.write(`${coco}/annotations/instances_train.json`, JSON.stringify({
    info: { description: 'Shelf products (internal)', version: '1.0', year: 2026, contributor: 'vision-team' },
    licenses: [{ id: 1, name: 'internal' }],
    images, annotations,
    categories: CLASSES.map((name, i) => ({ id: i + 1, name, supercategory: 'product' })),
  }), at(50, 12));

  // Roboflow's YOLO export layout: <split>/images and <split>/labels side by side.
  const yolo = 'datasets/shelf-yolo';
  let k = 0;
  for (const split of ['train', 'train', 'train', 'train', 'valid', 'valid']) {
    k++;
    const cls = k % 3;
    const { png, box } = photo(rng, cls);
    const stem = `shelf_${String(k).padStart(4, '0')}`;
    await lib.write(`${yolo}/${split}/images/${stem}.png`, png, at(48, 10));
    const [x, y, w, h] = box;
    await lib.write(`${yolo}/${split}/labels/${stem}.txt`, `${cls} ${((x + w / 2) / 32).toFixed(6)} ${((y + h / 2) / 32).toFixed(6)} ${(w / 32).toFixed(6)} ${(h / 32).toFixed(6)}\n`, at(48, 10));
  }
  await lib.write(`${yolo}/data.yaml`, `# Shelf products in YOLO format (exported from Label Studio)
path: datasets/shelf-yolo
train: train/images
val: valid/images
names:
  0: cereal
  1: drinks
  2: snacks
# Ultralytics would exec this; Modelshelf only records that it is there.
download: |
  from pathlib import Path
  Path("${YOLO_DOWNLOAD_CANARY}").write_text("the download script ran")
  from ultralytics.utils.downloads import download
  download(["https://example.com/shelf-yolo.zip"], dir=Path(yaml["path"]).parent)
`, at(48, 11));
}

// ---- Keras 3 model with its CSVLogger file -------------------------------------------------------------

async function writeKerasModel(lib: DemoWriter, at: At, rng: Prng): Promise<void> {
  const dir = 'keras/defect-classifier';
  const t = at(24, 16);
  const layer = (class_name: string, config: Record<string, unknown>) => ({ module: 'keras.layers', class_name, config, registered_name: null });
  const config = {
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: {
      name: 'defect_classifier', trainable: true,
      layers: [
        layer('InputLayer', { batch_shape: [null, 32, 32, 3], dtype: 'float32', name: 'input_layer' }),
        layer('Conv2D', { name: 'conv2d', filters: 8, kernel_size: [3, 3], activation: 'relu' }),
        layer('MaxPooling2D', { name: 'max_pooling2d', pool_size: [2, 2] }),
        layer('Flatten', { name: 'flatten' }),
        layer('Dense', { name: 'dense', units: 4, activation: 'softmax' }),
      ],
    },
    build_config: { input_shape: [null, 32, 32, 3] },
    compile_config: { optimizer: { module: 'keras.optimizers', class_name: 'Adam', config: { name: 'adam', learning_rate: 0.001 } }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
  };
  const weights = writeHdf5({});
  const archive = writeStoredZip([
    { name: 'metadata.json', data: utf8(JSON.stringify({ keras_version: '3.6.0', date_saved: '2026-10-06@16:00:00' })) },
    { name: 'config.json', data: utf8(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: weights },
  ]);
  await lib.write(`${dir}/defect_classifier.keras`, archive, t);
  const rows = ['epoch,accuracy,loss,val_accuracy,val_loss'];
  for (let e = 0; e < 12; e++) {
    const acc = 0.42 + 0.47 * (1 - Math.exp(-(e + 1) / 4)) + rng.normal() * 0.005;
    rows.push(`${e},${acc.toFixed(6)},${(1.3 - acc).toFixed(6)},${(acc - 0.03).toFixed(6)},${(1.36 - acc).toFixed(6)}`);
  }
  await lib.write(`${dir}/training.log`, `${rows.join('\n')}\n`, t);
}
