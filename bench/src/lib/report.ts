// What every benchmark hands back, and how the run prints it: one table row per benchmark plus the
// full JSON (samples, breakdowns, counters) in bench/results/latest.json.
import os from 'node:os';

export type Status = 'pass' | 'miss' | 'not measurable yet' | 'error' | 'info';

export interface Figure {
  /** Median (or the stated percentile) of `samples`. */
  value: number;
  unit: 'ms' | 'bytes' | 'MB' | 'ratio' | 'count';
  /** What was measured, in words ("engine cold index, median of 5"). */
  label: string;
  samples?: number[];
}

export interface BenchResult {
  id: string;
  title: string;
  /** The figure the target applies to (a ratio when there is a reference). */
  measure: Figure | null;
  /** The reference measured in the same run, if any. */
  reference?: Figure | null;
  /** measure / reference of the medians, when both are times. */
  ratio?: number | null;
  target: string;
  status: Status;
  /** One line for the table: why it passed, missed or could not be measured. */
  note: string;
  /** Everything else worth keeping (per-run samples, counters, phase split, environment). */
  details?: Record<string, unknown>;
  /** os.loadavg() when the benchmark started and ended: the machine is shared. */
  load?: { start: number[]; end: number[] };
  durationMs?: number;
}

export function loadavg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

function fmtFigure(f: Figure | null | undefined): string {
  if (!f || !Number.isFinite(f.value)) return '—';
  switch (f.unit) {
    case 'ms':
      return f.value >= 1000 ? `${(f.value / 1000).toFixed(2)} s` : `${f.value.toFixed(f.value < 10 ? 2 : 0)} ms`;
    case 'bytes':
      return f.value >= 1024 * 1024 ? `${(f.value / 1024 / 1024).toFixed(2)} MiB` : `${(f.value / 1024).toFixed(1)} KiB`;
    case 'MB':
      return `${f.value.toFixed(0)} MB`;
    case 'ratio':
      return f.value.toFixed(2);
    default:
      return String(f.value);
  }
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(results: BenchResult[]): string {
  const head = ['id', 'measure', 'value', 'reference (same run)', 'ratio', 'target', 'status', 'load 1m start→end', 'note'];
  const rows = results.map((r) => [
    r.id,
    r.measure?.label ?? r.title,
    fmtFigure(r.measure),
    r.reference ? `${fmtFigure(r.reference)} (${r.reference.label})` : '—',
    r.ratio !== undefined && r.ratio !== null && Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '—',
    r.target,
    r.status.toUpperCase(),
    r.load ? `${r.load.start[0]?.toFixed(2)}→${r.load.end[0]?.toFixed(2)}` : '—',
    r.note,
  ]);
  const lines = [head, head.map(() => '---'), ...rows].map((cols) => `| ${cols.map(cell).join(' | ')} |`);
  return lines.join('\n');
}
