// A big catalog written through the real Catalog class and migrations (P5, P6, P7): one SMB source,
// `entries` file/folder rows (upsertEntries, as a scan writes them), `items` models and datasets
// with 1–4 versions each (replaceItems), the full-text index (rebuildSearch, when this engine has
// it), and one training run whose loss curve has `metricPoints` points (written by RunsStore.save,
// the writer a scan uses). Deterministic (seeded).
import { Catalog, type EntryRecord, type GroupedItem, type GroupedVersion } from '../../../electron/core/catalog/catalog';
import { openCatalogDb } from '../../../electron/core/catalog/open';
import { RunsStore } from '../../../electron/core/catalog/runs-store';
import type { MetricPoint, ParsedRun } from '../../../electron/core/runs/types';
import { Prng } from '../../../electron/core/demo/prng';

export interface CatalogSpec {
  entries: number;
  items: number;
  /** Fraction of items that are datasets (the rest are models). */
  datasetShare: number;
  metricPoints: number;
}

export interface CatalogStats {
  entries: number;
  items: number;
  versions: number;
  searchRows: number;
  metricPoints: number;
  chartItemId: number | null;
  chartRunId: number | null;
  ms: Record<string, number>;
}

const FAMILIES = ['llama', 'mistral', 'qwen', 'phi', 'gemma', 'bert', 'roberta', 'distilbert', 't5', 'whisper', 'resnet50', 'efficientnet', 'yolov8', 'vit', 'clip', 'sam', 'sdxl', 'xgboost', 'lightgbm', 'deberta', 'electra', 'mobilenet', 'unet', 'wav2vec2'];
const TASKS = ['chat', 'instruct', 'base', 'classifier', 'detector', 'segmenter', 'embedder', 'ner', 'sentiment', 'ocr', 'asr', 'churn', 'fraud', 'forecast', 'ranker', 'summarizer', 'translator', 'tagger'];
const SIZES = ['tiny', 'small', 'base', 'large', 'xl', '1b', '3b', '7b', '8b', '13b', 'n', 's', 'm', 'l'];
const TEAMS = ['vision', 'nlp', 'speech', 'risk', 'search', 'ops', 'research', 'growth'];
const DATASETS = ['reviews', 'invoices', 'transactions', 'street-scenes', 'call-audio', 'clicks', 'tickets', 'xrays', 'receipts', 'sensor-logs'];
const MODEL_FORMATS: Array<[string, string]> = [['safetensors', 'huggingface'], ['gguf', 'file'], ['onnx', 'file'], ['pytorch', 'lightning'], ['pickle', 'mlflow-registry'], ['pytorch', 'ultralytics']];
const DATA_FORMATS: Array<[string, string]> = [['parquet', 'file'], ['csv', 'file'], ['imagefolder', 'imagefolder']];
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 9, 30);

function makeItems(n: number, datasetShare: number, rng: Prng): GroupedItem[] {
  const items: GroupedItem[] = [];
  for (let i = 0; i < n; i++) {
    const team = rng.pick(TEAMS);
    const isData = rng.next() < datasetShare;
    const name = isData
      ? `${rng.pick(DATASETS)}-${rng.pick(['2024', '2025', '2026', 'clean', 'raw', 'v2', 'eu', 'us'])}-${i}`
      : `${rng.pick(FAMILIES)}-${rng.pick(SIZES)}-${rng.pick(TASKS)}-${i}`;
    const [format, layout] = isData ? rng.pick(DATA_FORMATS) : rng.pick(MODEL_FORMATS);
    const path = `teams/${team}/${isData ? 'datasets' : 'models'}/${name}`;
    const versions: GroupedVersion[] = [];
    const nv = rng.int(1, 4);
    for (let v = 1; v <= nv; v++) {
      const vpath = `${path}/v${v}`;
      const created = NOW - rng.int(1, 900) * DAY;
      const files = Array.from({ length: rng.int(1, 3) }, (_, k) => ({
        path: `${vpath}/${isData ? `part-${String(k).padStart(5, '0')}.${format === 'csv' ? 'csv' : 'parquet'}` : k === 0 ? `model.${format === 'pytorch' ? 'pt' : format}` : k === 1 ? 'config.json' : 'README.md'}`,
        size: rng.int(1_000, 8_000_000_000),
        mtimeMs: created,
      }));
      versions.push({
        label: `v${v}`,
        path: vpath,
        createdMs: created,
        format,
        stage: v === nv && rng.next() < 0.3 ? 'Production' : null,
        aliases: v === nv && rng.next() < 0.2 ? ['champion'] : [],
        meta: isData ? { rows: rng.int(1000, 50_000_000), columns: rng.int(3, 80) } : { architecture: `${name.split('-')[0]}ForCausalLM`, parameters: rng.int(1e6, 8e9), dtype: rng.pick(['BF16', 'F16', 'F32', 'Q4_K']) },
        files,
      });
    }
    items.push({ kind: isData ? 'dataset' : 'model', name, path, layout, format, versions });
  }
  return items;
}

/** Every folder and file of the items, plus filler files (image datasets) up to `total` rows. */
function* entryRows(items: GroupedItem[], total: number, rng: Prng): Generator<EntryRecord> {
  const dirs = new Set<string>();
  let n = 0;
  const dir = function* (p: string): Generator<EntryRecord> {
    if (p === '' || dirs.has(p)) return;
    const i = p.lastIndexOf('/');
    const parent = i < 0 ? '' : p.slice(0, i);
    yield* dir(parent);
    dirs.add(p);
    n++;
    yield { path: p, parent, name: p.slice(i + 1), isDir: true, size: 0, mtimeMs: NOW };
  };
  for (const item of items) {
    for (const v of item.versions) {
      for (const f of v.files) {
        if (n >= total) return;
        const i = f.path.lastIndexOf('/');
        yield* dir(f.path.slice(0, i));
        n++;
        yield { path: f.path, parent: f.path.slice(0, i), name: f.path.slice(i + 1), isDir: false, size: f.size, mtimeMs: f.mtimeMs ?? NOW };
      }
    }
  }
  for (let d = 0; n < total; d++) {
    const folder = `datasets/images/batch-${String(Math.floor(d / 100)).padStart(4, '0')}/class-${String(d % 100).padStart(2, '0')}`;
    yield* dir(folder);
    for (let k = 0; k < 500 && n < total; k++) {
      n++;
      yield { path: `${folder}/img_${String(k).padStart(6, '0')}.jpg`, parent: folder, name: `img_${String(k).padStart(6, '0')}.jpg`, isDir: false, size: rng.int(20_000, 400_000), mtimeMs: NOW - DAY };
    }
  }
}

export function buildCatalog(dataDir: string, spec: CatalogSpec): CatalogStats {
  const ms: Record<string, number> = {};
  const lap = (name: string, t0: number) => {
    ms[name] = Math.round(performance.now() - t0);
  };
  const rng = new Prng(0xca7a106);
  const db = openCatalogDb(dataDir);
  const catalog = new Catalog(db);
  try {
    // Port 1 on loopback refuses at once: a host that reconnects to its sources on start (serve)
    // marks this one offline and keeps the catalog, instead of waiting on a name lookup.
    const source = catalog.insertSource({ name: 'ml-share on nas', kind: 'smb', url: 'smb://ana@127.0.0.1:1/ml-share', host: '127.0.0.1', port: 1, share: 'ml-share', username: 'ana' });
    const { scanId, generation } = catalog.beginScan(source.id);
    let t0 = performance.now();
    const items = makeItems(spec.items, spec.datasetShare, rng);
    lap('makeItems', t0);

    t0 = performance.now();
    let batch: EntryRecord[] = [];
    let entries = 0;
    for (const e of entryRows(items, spec.entries, rng)) {
      batch.push(e);
      if (batch.length >= 20_000) {
        catalog.upsertEntries(source.id, generation, batch, () => false);
        entries += batch.length;
        batch = [];
      }
    }
    catalog.upsertEntries(source.id, generation, batch, () => false);
    entries += batch.length;
    lap('upsertEntries', t0);

    t0 = performance.now();
    catalog.replaceItems(source.id, generation, items);
    lap('replaceItems', t0);

    t0 = performance.now();
    const withSearch = catalog as unknown as { rebuildSearch?: (id: number) => void };
    if (typeof withSearch.rebuildSearch === 'function') withSearch.rebuildSearch(source.id);
    lap('rebuildSearch', t0);
    catalog.finishScan(scanId, 'done', { folders: 0, files: entries, bytes: 0, filesRead: 0, bytesRead: 0 });
    catalog.setSourceStatus(source.id, 'online', { seen: true, lastError: null });

    // One run with a long loss curve, linked to the first version of one model (P7).
    t0 = performance.now();
    let chartItemId: number | null = null;
    let chartRunId: number | null = null;
    if (spec.metricPoints > 0) {
      const item = db.prepare(`SELECT i.id AS itemId, v.id AS versionId FROM item i JOIN version v ON v.item_id = i.id WHERE i.kind = 'model' ORDER BY i.id LIMIT 1`).get() as { itemId: number; versionId: number };
      chartItemId = item.itemId;
      // Through the engine's own run writer (RunsStore.save), as a scan stores a TensorBoard run.
      const points: MetricPoint[] = new Array(spec.metricPoints);
      let v = 4;
      for (let s = 0; s < spec.metricPoints; s++) {
        v = Math.max(0.05, v * 0.999995 + (rng.next() - 0.5) * 0.02 + (rng.next() < 0.0005 ? 1.5 : 0));
        points[s] = { step: s, wallMs: NOW - 30 * DAY + s * 2000, value: v };
      }
      const run: ParsedRun = {
        format: 'tensorboard',
        name: 'long-pretrain',
        status: 'FINISHED',
        startedMs: NOW - 30 * DAY,
        endedMs: NOW - 2 * DAY,
        params: { lr: '3e-4' },
        tags: {},
        metrics: { 'train/loss': points },
        inputs: [],
        outputs: [],
        warnings: [],
      };
      chartRunId = new RunsStore(db).save(source.id, generation, 'teams/research/runs/long-pretrain', run, 'bench');
      db.prepare(`INSERT INTO version_run (version_id, run_id, evidence) VALUES (?, ?, 'bench')`).run(item.versionId, chartRunId);
    }
    lap('metricPoints', t0);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      entries: count('SELECT COUNT(*) AS n FROM entry'),
      items: count('SELECT COUNT(*) AS n FROM item'),
      versions: count('SELECT COUNT(*) AS n FROM version'),
      // Item rows of the word index live in item_words from migration 6 on (search_index keeps runs).
      searchRows:
        count('SELECT COUNT(*) AS n FROM search_index') +
        (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'item_words'").get() ? count('SELECT COUNT(*) AS n FROM item_words') : 0),
      metricPoints: count('SELECT COALESCE(SUM(count), 0) AS n FROM metric_series'),
      chartItemId,
      chartRunId,
      ms,
    };
  } finally {
    db.pragma('wal_checkpoint(TRUNCATE)');
    catalog.close();
  }
}
