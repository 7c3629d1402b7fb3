// Training runs on a share: detectRuns() finds them in the catalog's file list (pure), readRun()
// reads one within a byte budget, readDvcLineage() reads what DVC pipelines say about lineage.
// readRun never throws for bad content (it becomes a warning); errors of the source itself
// (share gone, permission denied) propagate unchanged so the scanner can tell UNREACHABLE apart.
import { readKerasCsvRun, readLightningRun, readUltralyticsRun } from './csv-runs';
import { readDvcliveRun, readHfTrainerRun } from './hf-dvclive';
import { readMlflowRun } from './mlflow';
import { emptyEventsResult, readEventFiles } from './tensorboard';
import type { DetectedRun, ParsedRun, RunFileReader } from './types';
import { BudgetExhausted, DEFAULT_RUN_BYTE_CAP, type Guard, RunBudget, type SeriesSet, baseName, errorText, runName } from './util';

export type { CatalogFile, DetectedRun, LineageHint, MetricPoint, ParsedRun, RunFileReader } from './types';
export { detectRuns } from './detect';
export { readDvcLineage } from './dvc';
export { crc32c, maskedCrc32c } from './crc32c';
export { DEFAULT_RUN_BYTE_CAP } from './util';

const TFEVENTS = /(^|\/)events\.out\.tfevents\./;
/** The share of the budget one CSV log may take (the rest is for event files and the others). */
const CSV_SHARE = 0.5;

export async function readRun(src: RunFileReader, run: DetectedRun, opts: { byteCap?: number } = {}): Promise<ParsedRun> {
  const b = new RunBudget(src, opts.byteCap ?? DEFAULT_RUN_BYTE_CAP);
  const out: ParsedRun = {
    format: run.format,
    name: runName(run.path),
    status: null,
    startedMs: null,
    endedMs: null,
    params: {},
    tags: {},
    metrics: {},
    inputs: [],
    outputs: [],
    warnings: [],
  };
  const guard: Guard = async (work, what) => {
    try {
      await work();
    } catch (err) {
      if (b.isSourceError(err)) throw err;
      out.warnings.push(err instanceof BudgetExhausted ? `${what}: not read (read limit reached)` : `${what}: ${errorText(err)}`);
    }
  };
  const csvCap = () => Math.max(1, Math.floor(b.remaining * CSV_SHARE));

  let series: SeriesSet | null = null;
  switch (run.format) {
    case 'mlflow':
      await readMlflowRun(b, run, out, guard);
      break;
    case 'hf-trainer':
      series = await readHfTrainerRun(b, run, out, guard);
      break;
    case 'lightning':
      series = await readLightningRun(b, run, out, guard, csvCap());
      break;
    case 'ultralytics':
      series = await readUltralyticsRun(b, run, out, guard, csvCap());
      break;
    case 'keras-csv':
      series = await readKerasCsvRun(b, run, out, guard, csvCap());
      break;
    case 'dvclive':
      series = await readDvcliveRun(b, run, out, guard, Math.max(1, Math.floor(b.remaining / Math.max(1, run.files.length))));
      break;
    case 'tensorboard':
      break;
  }

  // TensorBoard event files: the whole run for 'tensorboard', extra series for a run of another tool
  // that also logged to TensorBoard in its folder (a metric both loggers wrote is taken once).
  const events = run.files.filter((f) => TFEVENTS.test(f));
  if (events.length > 0) {
    const tb = emptyEventsResult();
    await readEventFiles(b, events, tb);
    out.warnings.push(...tb.warnings);
    const tbMetrics = tb.series.finish(out.warnings);
    if (series === null && run.format !== 'mlflow') {
      out.metrics = tbMetrics;
    } else {
      const base = series ? series.finish(out.warnings) : out.metrics;
      for (const [k, pts] of Object.entries(tbMetrics)) if (!(k in base)) base[k] = pts;
      out.metrics = base;
      series = null;
    }
    for (const [k, v] of Object.entries(tb.params)) if (!(k in out.params)) out.params[k] = v;
    out.status ??= tb.status;
    out.startedMs ??= tb.minWallMs;
    out.endedMs ??= tb.maxWallMs;
  }
  if (series) out.metrics = series.finish(out.warnings);
  if (!out.name) out.name = baseName(run.path) || 'run';
  return out;
}
