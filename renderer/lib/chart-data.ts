// Pure helpers behind the metric charts: smoothing, lining series up on one x axis for uPlot, log
// scale safety, colours and CSV export. Kept apart from the chart component so they can be tested.

export interface ChartSeries {
  /** Stable across refetches: legend toggles survive new data. */
  id: string;
  label: string;
  x: number[];
  y: number[];
}

/**
 * Exponential moving average as TensorBoard does it: debiased, so the first points are not pulled
 * towards zero. weight 0 = no smoothing, 0.99 = very smooth. Non-finite values are passed through
 * and do not disturb the average.
 */
export function ema(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  const w = Math.min(weight, 0.999);
  const out = new Array<number>(values.length);
  let last = 0;
  let debias = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    debias = debias * w + (1 - w);
    out[i] = last / debias;
  }
  return out;
}

export type AlignedData = [number[], ...Array<Array<number | null>>];

/**
 * One shared, sorted x axis (the union of every series' x) with each series' y at those x, null
 * where a series has no point (uPlot draws gaps there, or joins them with spanGaps).
 */
export function alignSeries(series: ReadonlyArray<{ x: readonly number[]; y: ReadonlyArray<number | null> }>): AlignedData {
  const xs = new Set<number>();
  for (const s of series) for (const x of s.x) if (Number.isFinite(x)) xs.add(x);
  const axis = [...xs].sort((a, b) => a - b);
  const index = new Map(axis.map((x, i) => [x, i]));
  const columns = series.map((s) => {
    const col = new Array<number | null>(axis.length).fill(null);
    for (let i = 0; i < s.x.length; i++) {
      const at = index.get(s.x[i] as number);
      const y = s.y[i];
      if (at !== undefined && y !== null && y !== undefined && Number.isFinite(y)) col[at] = y;
    }
    return col;
  });
  return [axis, ...columns];
}

/** A log axis cannot show zero or negative values: they become gaps. */
export function forLogScale(values: ReadonlyArray<number | null>): Array<number | null> {
  return values.map((v) => (v !== null && v > 0 ? v : null));
}

/** Distinct on light and dark backgrounds; series beyond ten reuse them. */
export const SERIES_COLORS = [
  '#3b82f6',
  '#f97316',
  '#10b981',
  '#e11d48',
  '#8b5cf6',
  '#eab308',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
  '#64748b',
];

export function colorFor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] as string;
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Long format, one row per point: series, x, value. Time axes are written as ISO dates. */
export function toCsv(series: readonly ChartSeries[], xMode: 'step' | 'time' | 'index', xLabels?: readonly string[]): string {
  const xName = xMode === 'time' ? 'time' : xMode === 'index' ? 'version' : 'step';
  const lines = [`series,${xName},value`];
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i] as number;
      const y = s.y[i];
      const xText = xMode === 'time' ? new Date(x).toISOString() : xMode === 'index' ? (xLabels?.[x] ?? String(x)) : String(x);
      lines.push([csvCell(s.label), csvCell(xText), y === null || y === undefined || !Number.isFinite(y) ? '' : String(y)].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A file name from a title: letters, digits and dashes only. */
export function fileNameFor(title: string, ext: string): string {
  const base = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'chart';
  return `${base}.${ext}`;
}
