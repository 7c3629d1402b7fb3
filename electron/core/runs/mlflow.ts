// MLflow file store run: meta.yaml, metrics/<key> ("ts value step" lines; old stores: "ts value"),
// params/<key>, tags/<key> (raw values; '/' in a key is a subfolder), inputs/<id>/meta.yaml → the
// experiment's datasets/<id>/meta.yaml, and artifacts/**/MLmodel → the models the run logged.
import type { DetectedRun, ParsedRun } from './types';
import { type Guard, type RunBudget, SeriesSet, asRecord, baseName, clip, parentOf, parseNumber, parseYamlSafe, text } from './util';

const STATUS: Record<string, string> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };
const SMALL_FILE = 1024 * 1024;

function rawValue(s: string): string {
  return clip(s.replace(/\r?\n$/, ''), 8000);
}

function timeMs(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Path of a file:// or plain absolute URI, without the scheme. */
function uriPath(uri: string): string | null {
  if (uri.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(uri).pathname);
    } catch {
      return null;
    }
  }
  return uri.startsWith('/') ? uri : null;
}

export async function readMlflowRun(b: RunBudget, run: DetectedRun, out: ParsedRun, guard: Guard): Promise<void> {
  const root = run.path;
  const series = new SeriesSet();
  let shareRoot: string | null = null;
  const rel = (p: string) => p.slice(root.length + 1);

  await guard(async () => {
    const meta = asRecord(yamlOf(text((await b.readFile(`${root}/meta.yaml`, SMALL_FILE)).bytes), 'meta.yaml', out));
    if (!meta) return;
    if (typeof meta.run_name === 'string' && meta.run_name) out.name = clip(meta.run_name, 500);
    else if (typeof meta.run_id === 'string' && meta.run_id) out.name = meta.run_id;
    const status = meta.status;
    out.status = typeof status === 'number' || (typeof status === 'string' && /^\d+$/.test(status)) ? (STATUS[String(status)] ?? String(status)) : typeof status === 'string' ? status : null;
    out.startedMs = timeMs(meta.start_time);
    out.endedMs = timeMs(meta.end_time);
    if (meta.lifecycle_stage === 'deleted') out.warnings.push('the run is marked deleted in MLflow');
    if (typeof meta.user_id === 'string' && meta.user_id) out.tags['mlflow.user'] ??= meta.user_id;
    // The run's artifact_uri tells where the share was mounted when the run was logged, which
    // lets dataset sources under the same mount be mapped onto the share.
    const art = typeof meta.artifact_uri === 'string' ? uriPath(meta.artifact_uri) : null;
    const suffix = `/${root}/artifacts`;
    if (art?.endsWith(suffix)) shareRoot = art.slice(0, art.length - suffix.length);
  }, 'meta.yaml');

  const inputsMeta: string[] = [];
  const datasetMeta = new Map<string, string>();
  const mlmodels: string[] = [];
  for (const f of run.files) {
    if (f === `${root}/meta.yaml`) continue;
    const r = f.startsWith(`${root}/`) ? rel(f) : null;
    if (r === null) {
      if (/\/datasets\/[^/]+\/meta\.yaml$/.test(f)) datasetMeta.set(baseName(parentOf(f)), f);
      continue;
    }
    if (r.startsWith('params/')) {
      await guard(async () => {
        out.params[r.slice('params/'.length)] = rawValue(text((await b.readFile(f, 64 * 1024)).bytes));
      }, r);
    } else if (r.startsWith('tags/')) {
      await guard(async () => {
        out.tags[r.slice('tags/'.length)] = rawValue(text((await b.readFile(f, 64 * 1024)).bytes));
      }, r);
    } else if (r.startsWith('metrics/')) {
      await guard(async () => readMetricFile(b, f, r.slice('metrics/'.length), series, out), r);
    } else if (r.startsWith('inputs/')) inputsMeta.push(f);
    else if (baseName(r) === 'MLmodel') mlmodels.push(f);
  }
  if (out.name === baseName(root) && out.tags['mlflow.runName']) out.name = out.tags['mlflow.runName'] as string;

  for (const f of inputsMeta) {
    await guard(async () => {
      const input = asRecord(yamlOf(text((await b.readFile(f, SMALL_FILE)).bytes), rel(f), out));
      if (!input || (input.source_type !== undefined && input.source_type !== 'DATASET')) return;
      const id = String(input.source_id ?? '');
      const context = asRecord(input.tags)?.['mlflow.data.context'];
      const evidence = `MLflow dataset input${typeof context === 'string' ? ` (${context})` : ''}`;
      const dsPath = datasetMeta.get(id);
      if (!dsPath) {
        out.inputs.push({ name: id || 'unknown dataset', evidence });
        return;
      }
      const ds = asRecord(yamlOf(text((await b.readFile(dsPath, SMALL_FILE)).bytes), `datasets/${id}/meta.yaml`, out));
      const entry: ParsedRun['inputs'][number] = { name: typeof ds?.name === 'string' && ds.name ? clip(ds.name, 500) : id, evidence };
      if (typeof ds?.digest === 'string' && ds.digest) entry.digest = clip(ds.digest, 200);
      const where = sourcePath(ds?.source, shareRoot);
      if (where) entry.path = where;
      out.inputs.push(entry);
    }, rel(f));
  }

  for (const f of mlmodels) {
    await guard(async () => {
      const mlmodel = asRecord(yamlOf(text((await b.readFile(f, SMALL_FILE)).bytes), rel(f), out));
      const flavors = Object.keys(asRecord(mlmodel?.flavors) ?? {}).filter((k) => k !== 'python_function');
      out.outputs.push({ path: parentOf(f), evidence: `MLmodel in the run's artifacts${flavors.length ? ` (${flavors.join(', ')})` : ''}` });
    }, rel(f));
  }
  out.metrics = series.finish(out.warnings);
}

function yamlOf(src: string, what: string, out: ParsedRun): unknown {
  const r = parseYamlSafe(src, what);
  out.warnings.push(...r.warnings);
  return r.value;
}

/** A dataset `source` (JSON {"uri": …} or a plain string) mapped onto the share, when it lies under it. */
function sourcePath(source: unknown, shareRoot: string | null): string | null {
  if (typeof source !== 'string' || shareRoot === null) return null;
  let uri = source;
  try {
    const parsed = asRecord(JSON.parse(source));
    if (typeof parsed?.uri === 'string') uri = parsed.uri;
    else if (typeof parsed?.path === 'string') uri = parsed.path;
  } catch {
    // a plain string source
  }
  const p = uriPath(uri);
  if (!p?.startsWith(`${shareRoot}/`)) return null;
  const rel = p.slice(shareRoot.length + 1).replace(/\/+$/, '');
  return rel.split('/').some((s) => s === '..' || s === '.' || s === '') ? null : rel;
}

async function readMetricFile(b: RunBudget, path: string, key: string, series: SeriesSet, out: ParsedRun): Promise<void> {
  const { bytes, complete } = await b.readFile(path, Math.min(b.remaining, 32 * 1024 * 1024));
  const lines = text(bytes).split('\n');
  if (!complete) {
    lines.pop();
    out.warnings.push(`metrics/${key}: not read to the end (read limit)`);
  }
  let bad = 0;
  for (const line of lines) {
    const l = line.trim();
    if (!l) continue;
    const parts = l.split(/\s+/);
    if (parts.length < 2 || parts.length > 3) {
      bad++;
      continue;
    }
    const ts = Number(parts[0]);
    const value = parseNumber(parts[1] as string);
    const step = parts.length === 3 ? Number(parts[2]) : 0;
    if (!Number.isFinite(ts) || value === null || !Number.isFinite(step)) {
      bad++;
      continue;
    }
    series.add(key, step, ts, value);
  }
  if (bad > 0) out.warnings.push(`metrics/${key}: ${bad} unreadable line${bad === 1 ? '' : 's'} skipped`);
}

