// One metric chart (uPlot on a canvas): many series overlaid, optional smoothing (raw points stay
// as a faint line), log scale, drag to zoom (double-click or "Reset zoom" to go back), values under
// the cursor in the legend, legend entries that hide and show their series, and PNG / CSV export.
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type ChartSeries, alignSeries, colorFor, ema, fileNameFor, forLogScale, toCsv } from '../lib/chart-data';
import { formatMetric } from '../lib/runs';

export interface MetricChartProps {
  title: string;
  series: ChartSeries[];
  /** step: training step; time: wall clock (ms); index: position in xLabels (versions). */
  xMode: 'step' | 'time' | 'index';
  xLabels?: string[];
  /** 0 (off) .. 0.99 */
  smoothing: number;
  logScale: boolean;
  height?: number;
  /**
   * Called with the x range the user zoomed to (drag), and null when the zoom is reset, so the
   * caller can fetch that range at full detail (the first draw has a downsampled overview).
   */
  onZoom?: (range: { min: number; max: number } | null) => void;
}

const timeFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function cssVar(name: string, fallback: string): string {
  if (typeof window === 'undefined' || typeof getComputedStyle !== 'function') return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function download(url: string, name: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export function MetricChart({ title, series, xMode, xLabels, smoothing, logScale, height = 320, onZoom }: MetricChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const [cursorIdx, setCursorIdx] = useState<number | null>(null);
  const [zoomed, setZoomed] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);

  // Plot series: per input series the (smoothed) line, plus its raw faint line when smoothing is on.
  const smoothed = smoothing > 0;
  const data = useMemo(() => {
    const lines = series.flatMap((s) => {
      const ys = smoothed ? ema(s.y, smoothing) : s.y;
      const main = { x: s.x, y: logScale ? forLogScale(ys) : ys };
      if (!smoothed) return [main];
      return [main, { x: s.x, y: logScale ? forLogScale(s.y) : s.y }];
    });
    return alignSeries(lines);
  }, [series, smoothing, smoothed, logScale]);

  const shape = `${series.map((s) => s.id).join('|')}#${smoothed}#${logScale}#${xMode}#${(xLabels ?? []).join('|')}`;
  const hiddenRef = useRef(hidden);
  hiddenRef.current = hidden;
  const dataRef = useRef(data);
  dataRef.current = data;
  const onZoomRef = useRef(onZoom);
  onZoomRef.current = onZoom;
  /** The data the plot currently shows: the plot is built with it, so it is not pushed in again. */
  const shown = useRef<typeof data | null>(null);

  // (Re)create the plot when the set of series or the axes change; new data alone is pushed in.
  // A layout effect: the canvas is drawn before the browser paints the chart's frame, not one frame
  // after it (an empty chart box would show for a frame first).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` stands for series ids and axes
  useLayoutEffect(() => {
    const el = holder.current;
    if (!el) return;
    const axisColor = cssVar('--muted', '#6b7280');
    const gridColor = cssVar('--border', '#e1e4e9');
    const plotSeries: uPlot.Series[] = [{}];
    series.forEach((s, i) => {
      const color = colorFor(i);
      const show = !hiddenRef.current.has(s.id);
      plotSeries.push({ label: s.label, stroke: color, width: 1.75, spanGaps: true, show, points: { show: false } });
      if (smoothed) plotSeries.push({ label: `${s.label} (raw)`, stroke: `${color}40`, width: 1, spanGaps: true, show, points: { show: false } });
    });
    const xValues =
      xMode === 'index'
        ? (_u: uPlot, splits: number[]) => splits.map((v) => (Number.isInteger(v) ? (xLabels?.[v] ?? '') : ''))
        : xMode === 'time'
          ? (_u: uPlot, splits: number[]) => splits.map((v) => timeFormat.format(new Date(v)))
          : undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth || 600),
      height,
      ms: 1,
      series: plotSeries,
      legend: { show: false },
      scales: {
        x: { time: false, ...(xMode === 'index' ? { range: (_u: uPlot, min: number, max: number) => [min - 0.3, max + 0.3] as [number, number] } : {}) },
        y: logScale ? { distr: 3 } : {},
      },
      axes: [
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1 },
          ...(xValues ? { values: xValues } : {}),
          ...(xMode === 'index' ? { splits: () => (xLabels ?? []).map((_, i) => i) } : {}),
          ...(xMode === 'time' ? { space: 90 } : {}),
        },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor, width: 1 },
          size: 60,
          values: (_u: uPlot, splits: number[]) => splits.map((v) => formatMetric(v)),
        },
      ],
      cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      hooks: {
        setCursor: [(u) => setCursorIdx(u.cursor.idx ?? null)],
        setSelect: [
          (u) => {
            if (u.select.width <= 2) return;
            setZoomed(true);
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            if (Number.isFinite(a) && Number.isFinite(b)) onZoomRef.current?.({ min: Math.min(a, b), max: Math.max(a, b) });
          },
        ],
      },
    };
    const u = new uPlot(opts, dataRef.current as uPlot.AlignedData, el);
    plot.current = u;
    shown.current = dataRef.current;
    setZoomed(false);
    // ResizeObserver reports the initial size too: redraw only when the width really changed.
    const ro =
      typeof ResizeObserver === 'function'
        ? new ResizeObserver(() => {
            const width = Math.max(200, el.clientWidth);
            if (width !== u.width) u.setSize({ width, height });
          })
        : null;
    ro?.observe(el);
    // Double-click resets zoom inside uPlot; mirror that in the button state.
    const onDbl = () => {
      setZoomed(false);
      onZoomRef.current?.(null);
    };
    el.addEventListener('dblclick', onDbl);
    return () => {
      ro?.disconnect();
      el.removeEventListener('dblclick', onDbl);
      u.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  // New data for the same plot (e.g. the engine answered again); skipped on the first render, which
  // built the plot with this very data (drawing a 1M-point run's chart twice doubled its cost).
  useLayoutEffect(() => {
    if (!plot.current || shown.current === data) return;
    plot.current.setData(data as uPlot.AlignedData, !zoomed);
    shown.current = data;
  }, [data, zoomed]);

  function toggle(index: number, id: string) {
    const next = new Set(hidden);
    const show = next.has(id);
    if (show) next.delete(id);
    else next.add(id);
    setHidden(next);
    const u = plot.current;
    if (!u) return;
    const per = smoothed ? 2 : 1;
    u.setSeries(1 + index * per, { show });
    if (smoothed) u.setSeries(2 + index * per, { show });
  }

  function resetZoom() {
    const u = plot.current;
    if (!u) return;
    u.setData(u.data, true);
    setZoomed(false);
    onZoomRef.current?.(null);
  }

  function exportPng() {
    setExportError(null);
    const canvas = plot.current?.ctx?.canvas;
    if (!canvas) {
      setExportError('The chart is not drawn yet.');
      return;
    }
    // The plot canvas is transparent; put it on the page colour with the title above it.
    const ratio = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
    const pad = Math.round(40 * ratio);
    const out = document.createElement('canvas');
    out.width = canvas.width;
    out.height = canvas.height + pad;
    const ctx = out.getContext('2d');
    if (!ctx) {
      setExportError('This window cannot make pictures.');
      return;
    }
    ctx.fillStyle = cssVar('--surface', '#ffffff');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = cssVar('--text', '#1c2129');
    ctx.font = `${Math.round(14 * ratio)}px system-ui, sans-serif`;
    ctx.fillText(title, Math.round(12 * ratio), Math.round(26 * ratio));
    ctx.drawImage(canvas, 0, pad);
    download(out.toDataURL('image/png'), fileNameFor(title, 'png'));
  }

  function exportCsv() {
    const blob = new Blob([toCsv(series, xMode, xLabels)], { type: 'text/csv' });
    const url = URL.createObjectURL(blob);
    download(url, fileNameFor(title, 'csv'));
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const per = smoothed ? 2 : 1;
  const xAt = cursorIdx !== null ? data[0][cursorIdx] : undefined;
  const xText =
    xAt === undefined
      ? null
      : xMode === 'time'
        ? timeFormat.format(new Date(xAt))
        : xMode === 'index'
          ? (xLabels?.[xAt] ?? String(xAt))
          : `step ${xAt.toLocaleString('en-US')}`;

  return (
    <figure className="chart" data-testid="metric-chart">
      <div className="chart-toolbar">
        <figcaption className="chart-title">{title}</figcaption>
        <span className="chart-hover muted" aria-live="off">
          {xText ?? (xMode === 'index' ? '' : 'Drag across the chart to zoom in')}
        </span>
        <div className="actions">
          {zoomed && (
            <button type="button" className="button small" onClick={resetZoom} data-testid="chart-reset-zoom">
              Reset zoom
            </button>
          )}
          <button type="button" className="button small" onClick={exportPng} data-testid="chart-export-png">
            Save picture
          </button>
          <button type="button" className="button small" onClick={exportCsv} data-testid="chart-export-csv">
            Save as CSV
          </button>
        </div>
      </div>
      <div className="chart-canvas" ref={holder} style={{ height }} />
      <ul className="chart-legend" aria-label="Series (click to hide or show)">
        {series.map((s, i) => {
          const on = !hidden.has(s.id);
          const col = cursorIdx !== null ? (data[1 + i * per] as Array<number | null> | undefined) : undefined;
          const value = col && cursorIdx !== null ? col[cursorIdx] : undefined;
          return (
            <li key={s.id}>
              <button
                type="button"
                className="legend-item"
                aria-pressed={on}
                data-testid="legend-item"
                onClick={() => toggle(i, s.id)}
                title={on ? 'Hide this line' : 'Show this line'}
              >
                <span className="legend-swatch" style={{ background: on ? colorFor(i) : 'transparent', borderColor: colorFor(i) }} />
                <span className="legend-label">{s.label}</span>
                {value !== undefined && value !== null && <span className="legend-value mono">{formatMetric(value)}</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {exportError && <p className="inline-error">{exportError}</p>}
    </figure>
  );
}
