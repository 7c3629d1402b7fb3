// Hugging Face Trainer (trainer_state.json: log_history rows → series, run settings → params) and
// DVCLive (metrics.json latest values, plots/metrics/**.tsv "timestamp step value" series, params.yaml).
import type { DetectedRun, ParsedRun } from './types';
import {
  type Guard,
  type RunBudget,
  SeriesSet,
  asRecord,
  baseName,
  clip,
  flattenParams,
  paramString,
  parentOf,
  parseCsvTable,
  parseNumber,
  parsePythonJson,
  parseYamlSafe,
  text,
} from './util';

const STATE_CAP = 32 * 1024 * 1024;
const PARAM_KEYS = ['global_step', 'max_steps', 'num_train_epochs', 'train_batch_size', 'logging_steps', 'eval_steps', 'save_steps', 'epoch', 'num_input_tokens_seen', 'total_flos'];
const TAG_KEYS = ['best_metric', 'best_model_checkpoint', 'best_global_step', 'is_hyper_param_search', 'trial_name'];

export async function readHfTrainerRun(b: RunBudget, run: DetectedRun, out: ParsedRun, guard: Guard): Promise<SeriesSet> {
  const series = new SeriesSet();
  const stateFile = run.files.find((f) => baseName(f) === 'trainer_state.json');
  if (!stateFile) return series;
  const what = stateFile.slice(run.path.length + 1) || 'trainer_state.json';
  await guard(async () => {
    const { bytes, complete } = await b.readFile(stateFile, Math.min(STATE_CAP, b.remaining));
    if (!complete) {
      out.warnings.push(`${what} is larger than the read limit and was not read`);
      return;
    }
    let state: Record<string, unknown> | null;
    try {
      state = asRecord(parsePythonJson(text(bytes)));
    } catch (err) {
      out.warnings.push(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    if (!state) {
      out.warnings.push(`${what} is not a JSON object`);
      return;
    }
    for (const k of PARAM_KEYS) if (state[k] !== undefined && state[k] !== null) out.params[k] = paramString(state[k]);
    for (const k of TAG_KEYS) if (state[k] !== undefined && state[k] !== null) out.tags[k] = paramString(state[k]);
    const history = Array.isArray(state.log_history) ? state.log_history : [];
    let skipped = 0;
    history.forEach((row, i) => {
      const r = asRecord(row);
      if (!r) {
        skipped++;
        return;
      }
      const step = typeof r.step === 'number' && Number.isFinite(r.step) ? r.step : i;
      for (const [k, v] of Object.entries(r)) {
        if (k === 'step' || k === 'epoch') continue;
        // Bare NaN/Infinity (Python's json) arrive here as strings and are counted as non-finite.
        const n = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : null;
        if (n !== null) series.add(k, step, null, n);
      }
    });
    if (skipped) out.warnings.push(`${what}: ${skipped} log_history rows are not objects`);
    const max = Number(state.max_steps);
    const done = Number(state.global_step);
    if (Number.isFinite(max) && max > 0 && Number.isFinite(done) && done >= max) out.status = 'FINISHED';
    const best = state.best_model_checkpoint;
    if (typeof best === 'string' && best) {
      const dir = `${run.path ? `${run.path}/` : ''}${baseName(best)}`;
      const hit = run.files.find((f) => parentOf(f) === dir);
      if (hit) out.outputs.push({ path: hit, evidence: 'trainer_state.json best_model_checkpoint' });
    }
  }, what);
  for (const f of run.files) {
    if (f === stateFile || out.outputs.some((o) => o.path === f)) continue;
    out.outputs.push({ path: f, evidence: parentOf(f) === run.path ? 'Trainer output folder' : `Trainer ${baseName(parentOf(f))}` });
  }
  return series;
}

/** Nested numbers of DVCLive's metrics.json as "a/b" keys. */
function flattenMetrics(v: unknown, prefix: string, out: Map<string, number>, depth = 0): void {
  if (depth > 6 || out.size > 2000) return;
  if (typeof v === 'number') {
    if (prefix) out.set(prefix, v);
    return;
  }
  const rec = asRecord(v);
  if (!rec) return;
  for (const [k, x] of Object.entries(rec)) flattenMetrics(x, prefix ? `${prefix}/${k}` : k, out, depth + 1);
}

export async function readDvcliveRun(b: RunBudget, run: DetectedRun, out: ParsedRun, guard: Guard, fileCap: number): Promise<SeriesSet> {
  const series = new SeriesSet();
  const plotsDir = `${run.path ? `${run.path}/` : ''}plots/metrics/`;
  let minTs: number | null = null;
  let maxTs: number | null = null;
  for (const f of run.files.filter((x) => x.startsWith(plotsDir) && /\.tsv$/i.test(x))) {
    const key = f.slice(plotsDir.length).replace(/\.tsv$/i, '');
    await guard(async () => {
      const { bytes, complete } = await b.readFile(f, fileCap);
      let src = text(bytes);
      if (!complete) {
        src = src.slice(0, src.lastIndexOf('\n') + 1);
        out.warnings.push(`${key}.tsv: only the first ${bytes.length} bytes were read (read limit)`);
      }
      const t = parseCsvTable(src, '\t');
      const stepIdx = t.header.indexOf('step');
      const tsIdx = t.header.indexOf('timestamp');
      const valueIdx = t.header.findIndex((_h, i) => i !== stepIdx && i !== tsIdx);
      if (valueIdx < 0) {
        out.warnings.push(`${key}.tsv has no value column`);
        return;
      }
      t.rows.forEach((row, i) => {
        const value = parseNumber(row[valueIdx] ?? '');
        if (value === null) return;
        const step = stepIdx >= 0 ? Number(row[stepIdx]) : i;
        const ts = tsIdx >= 0 ? Number(row[tsIdx]) : Number.NaN;
        const wall = Number.isFinite(ts) && ts > 0 ? ts : null;
        if (wall !== null) {
          minTs = minTs === null ? wall : Math.min(minTs, wall);
          maxTs = maxTs === null ? wall : Math.max(maxTs, wall);
        }
        series.add(key, Number.isFinite(step) ? step : i, wall, value);
      });
    }, `${key}.tsv`);
  }
  const metricsJson = run.files.find((f) => f === `${run.path ? `${run.path}/` : ''}metrics.json`);
  if (metricsJson) {
    await guard(async () => {
      const { bytes, complete } = await b.readFile(metricsJson, 4 * 1024 * 1024);
      if (!complete) {
        out.warnings.push('metrics.json is larger than the read limit and was not read');
        return;
      }
      let doc: unknown;
      try {
        doc = parsePythonJson(text(bytes));
      } catch (err) {
        out.warnings.push(`metrics.json is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
        return;
      }
      const values = new Map<string, number>();
      flattenMetrics(doc, '', values);
      const step = values.get('step') ?? 0;
      values.delete('step');
      for (const [k, v] of values) if (!series.has(k)) series.add(k, step, null, v);
    }, 'metrics.json');
  }
  const params = run.files.find((f) => f === `${run.path ? `${run.path}/` : ''}params.yaml`);
  if (params) {
    await guard(async () => {
      const r = parseYamlSafe(text((await b.readFile(params, 1024 * 1024)).bytes), 'params.yaml');
      out.warnings.push(...r.warnings);
      if (asRecord(r.value)) flattenParams(r.value, out.params);
    }, 'params.yaml');
  }
  out.startedMs = minTs;
  out.endedMs = maxTs;
  if (out.name === 'dvclive' || out.name === '') out.name = clip(baseName(parentOf(run.path)) || 'dvclive', 500);
  return series;
}
