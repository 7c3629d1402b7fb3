// Small text files that say what a folder is (MLflow registry metadata, Hugging Face config and
// cards, Lightning/Ultralytics hyper-parameters). They are read whole, capped, and parsed as data:
// YAML tags such as !!python/object are never constructed, and nothing is executed.
import { parseDocument } from 'yaml';

export const SIDECAR_CAP = 256 * 1024;

export type SidecarKind =
  | 'mlflow-model-meta'
  | 'mlflow-version-meta'
  | 'mlflow-alias'
  | 'mlflow-mlmodel'
  | 'hf-config'
  | 'hf-adapter-config'
  | 'model-card'
  | 'hparams'
  | 'hf-cache-ref';

/** Every file name a rule below accepts by name alone (the others need an aliases/ or refs/ folder). */
const SIDECAR_NAMES = new Set(['meta.yaml', 'MLmodel', 'config.json', 'adapter_config.json', 'README.md', 'README.MD', 'readme.md', 'hparams.yaml', 'args.yaml']);

/** Which sidecar a path is, or null. `path` is source-relative, '/'-separated. */
export function sidecarKind(path: string): SidecarKind | null {
  // Runs for every listed file: most are none of these, and are turned away without a split.
  if (!SIDECAR_NAMES.has(path.slice(path.lastIndexOf('/') + 1)) && !path.includes('/aliases/') && !path.includes('/refs/')) return null;
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  const parent = parts[parts.length - 2] ?? '';
  const grand = parts[parts.length - 3] ?? '';
  const great = parts[parts.length - 4] ?? '';
  if (name === 'meta.yaml' && grand === 'models') return 'mlflow-model-meta';
  if (name === 'meta.yaml' && /^version-\d+$/.test(parent) && great === 'models') return 'mlflow-version-meta';
  if (parent === 'aliases' && great === 'models') return 'mlflow-alias';
  if (name === 'MLmodel') return 'mlflow-mlmodel';
  if (name === 'config.json') return 'hf-config';
  if (name === 'adapter_config.json') return 'hf-adapter-config';
  if (name === 'README.md' || name === 'README.MD' || name === 'readme.md') return 'model-card';
  if (name === 'hparams.yaml' || name === 'args.yaml') return 'hparams';
  if (parent === 'refs' && /^(models|datasets)--/.test(grand)) return 'hf-cache-ref';
  return null;
}

function yamlData(text: string): unknown {
  // `yaml` turns unknown tags into plain values with a warning, caps alias expansion (billion-laughs),
  // and never runs constructors. logLevel 'silent' keeps hostile files from flooding the console.
  const doc = parseDocument(text, { logLevel: 'silent', prettyErrors: false, uniqueKeys: false });
  // Converting a document with errors takes exponential time on some of them (400 bytes of '{' take
  // 44 s, blocking the engine): malformed YAML is refused, never half-converted.
  if (doc.errors.length > 0) throw new Error(`it is not valid YAML (${doc.errors[0]?.message.split('\n')[0]})`);
  const value = doc.toJS({ maxAliasCount: 100 });
  // Aliases can build a structure that contains itself (`a: &x [*x]`): not data the catalog can store.
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    throw new Error('it refers to itself (a YAML alias loop)');
  }
}

function pick(obj: unknown, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) out[k] = typeof v === 'string' ? v.slice(0, 500) : v;
  }
  return out;
}

function scalarsOnly(obj: unknown, limit = 40): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return out;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>).slice(0, limit)) {
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (typeof v === 'string') out[k] = v.slice(0, 200);
  }
  return out;
}

export function frontMatter(text: string): string | null {
  const m = /^(?:\uFEFF)?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(text);
  return m ? (m[1] ?? null) : null;
}

/** Parses a sidecar's text into a small JSON-safe record. Throws on malformed content. */
export function parseSidecar(kind: SidecarKind, text: string): Record<string, unknown> {
  switch (kind) {
    case 'mlflow-model-meta':
      return pick(yamlData(text), ['name', 'description', 'creation_timestamp', 'last_updated_timestamp']);
    case 'mlflow-version-meta':
      return pick(yamlData(text), [
        'name',
        'version',
        'current_stage',
        'source',
        'run_id',
        'status',
        'description',
        'creation_timestamp',
        'last_updated_timestamp',
        'user_id',
      ]);
    case 'mlflow-alias':
      return { version: text.trim().slice(0, 40) };
    case 'mlflow-mlmodel': {
      const doc = yamlData(text) as Record<string, unknown> | null;
      const flavors = doc && typeof doc.flavors === 'object' && doc.flavors ? Object.keys(doc.flavors) : [];
      return { ...pick(doc, ['mlflow_version', 'model_uuid', 'run_id', 'utc_time_created']), flavors };
    }
    case 'hf-config': {
      const doc = JSON.parse(text) as Record<string, unknown>;
      const out = pick(doc, ['architectures', 'model_type', 'torch_dtype', 'dtype', 'transformers_version', '_name_or_path']);
      if (doc.quantization_config) out.quantized = true;
      return out;
    }
    case 'hf-adapter-config':
      return pick(JSON.parse(text), ['base_model_name_or_path', 'peft_type', 'r', 'task_type']);
    case 'model-card': {
      const fm = frontMatter(text);
      const data = fm ? yamlData(fm) : null;
      const out = pick(data, ['license', 'base_model', 'base_model_relation', 'datasets', 'tags', 'library_name', 'pipeline_tag', 'language']);
      const body = fm ? text.slice(text.indexOf('---', 3) + 3) : text;
      const title = /^#\s+(.+)$/m.exec(body);
      if (title?.[1]) out.title = title[1].trim().slice(0, 200);
      // The card text itself, for the model page (rendered there as sanitized Markdown).
      const markdown = body.trim();
      if (markdown) out.markdown = markdown.slice(0, 64 * 1024);
      return out;
    }
    case 'hparams':
      return scalarsOnly(yamlData(text));
    case 'hf-cache-ref':
      return { commit: text.trim().slice(0, 64) };
  }
}
