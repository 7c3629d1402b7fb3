// The few facts a person wants about a model file, in words, from the format metadata the engine read
// from its header: what kind of model, how big ("110 M parameters"), its precision or quantization,
// what it was based on. Everything else stays in the "All details" table.

export interface Fact {
  label: string;
  value: string;
}

/** 110 M, 1.1 B, 65.7 K: three significant digits and a unit people say out loud. */
export function formatParams(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1000) return String(Math.round(n));
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      const text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
      return `${text.replace(/\.?0+$/, '')} ${unit}`;
    }
  }
  return String(n);
}

type Meta = Record<string, unknown>;

const obj = (v: unknown): Meta | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Meta) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => str(x) ?? str(obj(x)?.name)).filter((x): x is string => x !== null) : str(v) ? [str(v) as string] : [];

/** "F32 (73%), F16 (27%)" from a {dtype: parameterCount} map; one dtype reads just "F32". */
export function describeDtypes(dtypes: Meta): string | null {
  const entries = Object.entries(dtypes).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
  if (entries.length === 0) return null;
  const total = entries.reduce((n, [, c]) => n + c, 0);
  entries.sort((a, b) => b[1] - a[1]);
  // Index tensors (a step counter) are not what "precision" means: leave out tiny shares.
  const shown = entries.filter(([, c]) => c / total >= 0.005);
  if (shown.length === 1) return shown[0]?.[0] ?? null;
  return shown.map(([d, c]) => `${d} (${Math.round((c / total) * 100)}%)`).join(', ');
}

const CHECKPOINT_KIND: Record<string, string> = {
  lightning: 'Lightning checkpoint',
  ultralytics: 'Ultralytics (YOLO) checkpoint',
  'state-dict': 'PyTorch weights',
};

export function modelFacts(metadata: Meta): Fact[] {
  const facts: Fact[] = [];
  const add = (label: string, value: string | null | undefined) => {
    if (value) facts.push({ label, value });
  };
  const config = obj(metadata.config);
  const card = obj(metadata.card);
  const mlflow = obj(metadata.mlflow);

  add('Description', str(metadata.description) ?? str(metadata.docString));
  add(
    'Architecture',
    str(metadata.architecture) ??
      (config ? list(config.architectures).join(', ') || str(config.model_type) : null) ??
      (typeof metadata.checkpointKind === 'string' ? (CHECKPOINT_KIND[metadata.checkpointKind] ?? metadata.checkpointKind) : null),
  );
  if (config && str(config.model_type) && list(config.architectures).length > 0) add('Model type', str(config.model_type));
  if (typeof metadata.parameters === 'number') add('Parameters', formatParams(metadata.parameters));
  add('Size class', str(metadata.sizeLabel));
  const dtypes = obj(metadata.dtypes);
  add('Precision', (dtypes ? describeDtypes(dtypes) : null) ?? (config ? (str(config.dtype) ?? str(config.torch_dtype)) : null));
  add('Quantization', str(metadata.quantization) ?? (config?.quantized === true ? 'Yes (see config.json)' : null));
  if (typeof metadata.contextLength === 'number') add('Context length', `${metadata.contextLength.toLocaleString('en-US')} tokens`);
  if (typeof metadata.blockCount === 'number') add('Layers', metadata.blockCount.toLocaleString('en-US'));
  if (typeof metadata.opset === 'number') add('ONNX opset', String(metadata.opset));
  const producer = [str(metadata.producerName), str(metadata.producerVersion)].filter(Boolean).join(' ');
  if (producer) add('Exported by', producer);
  const io = [list(metadata.inputs).join(', '), list(metadata.outputs).join(', ')];
  if (io[0] || io[1]) add('Inputs → outputs', `${io[0] || '—'} → ${io[1] || '—'}`);
  add(
    'Based on',
    list(card?.base_model).join(', ') ||
      list(metadata.baseModels).join(', ') ||
      (config ? str(config._name_or_path) : null) ||
      null,
  );
  add('Trained on', list(card?.datasets).join(', ') || null);
  add('Task', str(card?.pipeline_tag));
  add('License', str(card?.license) ?? str(metadata.license));
  const library = [
    mlflow ? `MLflow ${str(mlflow.mlflow_version) ?? ''}`.trim() : null,
    mlflow ? list(mlflow.flavors).filter((f) => f !== 'python_function').join(', ') : null,
    str(metadata.lightningVersion) ? `Lightning ${metadata.lightningVersion}` : null,
    config && str(config.transformers_version) ? `Transformers ${config.transformers_version}` : null,
    metadata.checkpointKind === 'ultralytics' && str(metadata.version) ? `Ultralytics ${metadata.version}` : null,
  ].filter(Boolean);
  if (library.length) add('Made with', library.join(' · '));
  if (typeof metadata.epoch === 'number' && metadata.epoch >= 0) {
    const steps = typeof metadata.globalStep === 'number' ? `, step ${metadata.globalStep.toLocaleString('en-US')}` : '';
    add('Saved at', `epoch ${metadata.epoch}${steps}`);
  }
  // Datasets
  if (typeof metadata.rows === 'number') add('Rows', metadata.rows.toLocaleString('en-US'));
  if (typeof metadata.columns === 'number') add('Columns', metadata.columns.toLocaleString('en-US'));
  if (Array.isArray(metadata.schema)) {
    const cols = metadata.schema
      .map((c) => obj(c))
      .filter((c): c is Meta => c !== null)
      .map((c) => `${str(c.name) ?? '?'} (${str(c.type) ?? '?'})`);
    if (cols.length) add('Fields', cols.slice(0, 30).join(', ') + (cols.length > 30 ? ` and ${cols.length - 30} more` : ''));
  }
  if (typeof metadata.images === 'number') add('Images', metadata.images.toLocaleString('en-US'));
  add('Classes', list(metadata.classes).join(', ') || null);
  add('Splits', list(metadata.splits).join(', ') || null);
  add('Tags', list(card?.tags).join(', ') || null);
  return facts;
}

/** Training settings recorded inside the checkpoint (Lightning hparams, Ultralytics train args). */
export function trainingSettings(metadata: Meta): Fact[] {
  const hp = obj(metadata.hyperParameters);
  if (!hp) return [];
  return Object.entries(hp)
    .filter(([, v]) => v === null || typeof v !== 'object')
    .map(([label, v]) => ({ label, value: v === null ? '—' : String(v) }));
}

/** Warnings the format readers left ("header cut short", "pickle imports os.system"). */
export function metadataWarnings(metadata: Meta): string[] {
  return list(metadata.warnings);
}

/** The card's markdown text when the engine included it. */
export function cardText(metadata: Meta): string | null {
  const card = obj(metadata.card);
  if (!card) return null;
  for (const key of ['markdown', 'text', 'body']) {
    const v = card[key];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return null;
}
