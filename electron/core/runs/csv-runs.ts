// Runs logged as CSV: Lightning's CSVLogger (metrics.csv, sparse rows, rewritten on each save, plus
// hparams.yaml), Ultralytics (results.csv with padded header names, args.yaml) and Keras CSVLogger
// (epoch + metric columns). A CSV larger than its share of the budget is read as head + tail, so the
// start and the latest values are both there.
import type { DetectedRun, ParsedRun } from './types';
import {
  type Guard,
  type RunBudget,
  SeriesSet,
  asRecord,
  baseName,
  clip,
  flattenParams,
  parseCsvTable,
  parseNumber,
  parseYamlSafe,
  resolveRel,
  text,
} from './util';

/** Reads a CSV within `max` bytes: whole when it fits, else the first and the last max/2 bytes. */
export async function readCsvBounded(b: RunBudget, path: string, max: number, warnings: string[]): Promise<string> {
  const half = Math.max(1, Math.floor(max / 2));
  const head = await b.readFile(path, half);
  if (head.complete) return text(head.bytes);
  let headText = text(head.bytes);
  headText = headText.slice(0, headText.lastIndexOf('\n') + 1);
  const size = await b.size(path);
  const tailLen = size === null ? 0 : Math.min(half, size - head.bytes.length, b.remaining);
  if (size === null || tailLen <= 0) {
    warnings.push(`${baseName(path)}: only the first ${head.bytes.length} bytes were read (read limit)`);
    return headText;
  }
  const tail = await b.read(path, size - tailLen, tailLen);
  let tailText = text(tail);
  tailText = tailText.slice(tailText.indexOf('\n') + 1);
  warnings.push(`${baseName(path)} is ${size} bytes: read its first and last ${half} bytes; rows in between were skipped`);
  return headText + tailText;
}

interface TableToSeries {
  stepColumn: string | null;
  skip: Set<string>;
}

/** Adds every numeric column (except the step and skipped ones) of a CSV table as series. */
function tableSeries(src: string, delimiter: string, opts: TableToSeries, series: SeriesSet, warnings: string[], what: string): { header: string[]; lastStep: number | null; rows: number } {
  const t = parseCsvTable(src, delimiter);
  const header = t.header;
  if (header.length === 0) return { header, lastStep: null, rows: 0 };
  const stepIdx = opts.stepColumn ? header.indexOf(opts.stepColumn) : -1;
  let rows = t.rows;
  const last = rows.at(-1);
  if (t.openLastLine && last && last.length < header.length) {
    rows = rows.slice(0, -1); // a line still being written
    warnings.push(`${what}: the last line is incomplete (file being written) and was left out`);
  }
  let lastStep: number | null = null;
  let short = 0;
  rows.forEach((row, i) => {
    if (row.length !== header.length) short++;
    const stepRaw = stepIdx >= 0 ? parseNumber(row[stepIdx] ?? '') : null;
    const step = stepRaw !== null && Number.isFinite(stepRaw) ? stepRaw : i;
    lastStep = step;
    for (let c = 0; c < header.length && c < row.length; c++) {
      if (c === stepIdx) continue;
      const key = header[c] as string;
      if (!key || opts.skip.has(key)) continue;
      const v = parseNumber(row[c] as string);
      if (v !== null) series.add(key, step, null, v);
    }
  });
  if (short > 0) warnings.push(`${what}: ${short} row${short === 1 ? '' : 's'} with a different number of fields than the header`);
  return { header, lastStep, rows: rows.length };
}

function yamlInto(src: string, what: string, out: ParsedRun): Record<string, unknown> | null {
  const r = parseYamlSafe(src, what);
  out.warnings.push(...r.warnings);
  return asRecord(r.value);
}

export async function readLightningRun(b: RunBudget, run: DetectedRun, out: ParsedRun, guard: Guard, csvCap: number): Promise<SeriesSet> {
  const series = new SeriesSet();
  const metrics = `${run.path}/metrics.csv`;
  await guard(async () => {
    const src = await readCsvBounded(b, metrics, csvCap, out.warnings);
    const { header } = tableSeries(src, ',', { stepColumn: 'step', skip: new Set(['epoch', 'step', 'created_at']) }, series, out.warnings, 'metrics.csv');
    if (header.length > 0 && !header.includes('step') && !header.includes('epoch')) out.warnings.push('metrics.csv has neither a step nor an epoch column; rows are numbered instead');
  }, 'metrics.csv');
  const hparams = `${run.path}/hparams.yaml`;
  if (run.files.includes(hparams)) {
    await guard(async () => {
      const doc = yamlInto(text((await b.readFile(hparams, 1024 * 1024)).bytes), 'hparams.yaml', out);
      if (doc) flattenParams(doc, out.params);
    }, 'hparams.yaml');
  }
  for (const f of run.files) {
    if (/\.ckpt$/i.test(f)) out.outputs.push({ path: f, evidence: 'Lightning checkpoint in the run folder' });
  }
  return series;
}

export async function readUltralyticsRun(b: RunBudget, run: DetectedRun, out: ParsedRun, guard: Guard, csvCap: number): Promise<SeriesSet> {
  const series = new SeriesSet();
  let lastEpoch: number | null = null;
  let firstEpoch: number | null = null;
  await guard(async () => {
    const src = await readCsvBounded(b, `${run.path}/results.csv`, csvCap, out.warnings);
    // Header names are padded with spaces (and values too): trim both before parsing.
    const trimmed = src.replace(/[ \t]*,[ \t]*/g, ',').replace(/^[ \t]+|[ \t]+$/gm, '');
    const r = tableSeries(trimmed, ',', { stepColumn: 'epoch', skip: new Set(['epoch']) }, series, out.warnings, 'results.csv');
    lastEpoch = r.lastStep;
    const first = parseCsvTable(trimmed).rows[0];
    const idx = r.header.indexOf('epoch');
    if (first && idx >= 0) firstEpoch = parseNumber(first[idx] ?? '');
  }, 'results.csv');
  await guard(async () => {
    const args = yamlInto(text((await b.readFile(`${run.path}/args.yaml`, 1024 * 1024)).bytes), 'args.yaml', out);
    if (!args) return;
    flattenParams(args, out.params);
    if (typeof args.name === 'string' && args.name) out.name = clip(args.name, 500);
    const data = args.data;
    if (typeof data === 'string' && data.trim()) {
      const value = data.trim();
      const input: ParsedRun['inputs'][number] = { name: baseName(value).replace(/\.(ya?ml)$/i, '') || value, evidence: 'args.yaml data' };
      const where = resolveRel('', value);
      if (where) input.path = where;
      out.inputs.push(input);
    }
    if (typeof args.model === 'string' && args.model.trim()) out.tags.base_model = clip(args.model.trim(), 1000);
    const epochs = typeof args.epochs === 'number' ? args.epochs : null;
    if (epochs !== null && lastEpoch !== null) {
      const done = firstEpoch === 0 ? lastEpoch + 1 : lastEpoch;
      if (done >= epochs) out.status = 'FINISHED';
    }
  }, 'args.yaml');
  for (const f of run.files) {
    if (f.startsWith(`${run.path}/weights/`)) out.outputs.push({ path: f, evidence: `Ultralytics ${f.slice(run.path.length + 1)}` });
  }
  return series;
}

export async function readKerasCsvRun(b: RunBudget, run: DetectedRun, out: ParsedRun, guard: Guard, csvCap: number): Promise<SeriesSet> {
  const series = new SeriesSet();
  const file = run.files[0];
  if (!file) return series;
  await guard(async () => {
    const src = await readCsvBounded(b, file, csvCap, out.warnings);
    const nl = src.indexOf('\n');
    const firstLine = nl < 0 ? src : src.slice(0, nl);
    const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
    const header = parseCsvTable(firstLine, delimiter).header;
    if (!header.includes('epoch')) {
      out.warnings.push(`${baseName(file)} has no epoch column: not a Keras CSVLogger file`);
      return;
    }
    tableSeries(src, delimiter, { stepColumn: 'epoch', skip: new Set(['epoch']) }, series, out.warnings, baseName(file));
  }, baseName(file));
  return series;
}

