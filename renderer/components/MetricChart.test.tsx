import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChartSeries } from '../lib/chart-data';

// uPlot needs a real canvas; the chart's own logic (which series, which are shown, what the legend
// does) is what is tested here, against a stand-in that records what the chart asked of it.
const plots: FakePlot[] = [];
class FakePlot {
  setSeries = vi.fn();
  setData = vi.fn();
  setSize = vi.fn();
  destroy = vi.fn();
  cursor = { idx: null as number | null };
  select = { width: 0, left: 0 };
  posToVal = (px: number) => px * 2;
  ctx = { canvas: null };
  constructor(
    readonly opts: {
      series: Array<{ label?: string; show?: boolean; stroke?: string }>;
      scales: Record<string, { distr?: number }>;
      hooks: { setSelect: Array<(u: FakePlot) => void> };
    },
    readonly data: Array<Array<number | null>>,
  ) {
    plots.push(this);
  }
}
vi.mock('uplot', () => ({ default: FakePlot }));
vi.mock('uplot/dist/uPlot.min.css', () => ({}));

const { MetricChart } = await import('./MetricChart');
const { renderApp } = await import('../test/render');
const { createFakeApi, makeRun, makeSource } = await import('../test/fake-api');

const series: ChartSeries[] = [
  { id: 'run-1', label: 'bold-owl', x: [0, 1, 2], y: [0.7, 0.5, 0.4] },
  { id: 'run-2', label: 'calm-fox', x: [0, 1, 2], y: [0.69, 0.45, 0.3] },
  { id: 'run-3', label: 'keen-elk', x: [0, 2, 4], y: [0.68, 0.4, 0.2] },
];

beforeEach(() => {
  plots.length = 0;
});
afterEach(cleanup);

describe('MetricChart', () => {
  it('overlays every series on one shared x axis', () => {
    render(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale={false} />);
    const plot = plots.at(-1) as FakePlot;
    expect(plot.opts.series.map((s) => s.label)).toEqual([undefined, 'bold-owl', 'calm-fox', 'keen-elk']);
    expect(plot.data[0]).toEqual([0, 1, 2, 4]);
    expect(plot.data[3]).toEqual([0.68, null, 0.4, 0.2]);
    expect(screen.getAllByTestId('legend-item').map((b) => b.textContent)).toEqual(['bold-owl', 'calm-fox', 'keen-elk']);
  });

  it('hides and shows a series from its legend entry', () => {
    render(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale={false} />);
    const plot = plots.at(-1) as FakePlot;
    const calm = screen.getAllByTestId('legend-item')[1] as HTMLElement;
    expect(calm.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(calm);
    expect(calm.getAttribute('aria-pressed')).toBe('false');
    expect(plot.setSeries).toHaveBeenLastCalledWith(2, { show: false });
    fireEvent.click(calm);
    expect(calm.getAttribute('aria-pressed')).toBe('true');
    expect(plot.setSeries).toHaveBeenLastCalledWith(2, { show: true });
  });

  it('draws smoothed lines over faint raw ones, and the legend toggles both', () => {
    render(<MetricChart title="loss" series={series} xMode="step" smoothing={0.5} logScale={false} />);
    const plot = plots.at(-1) as FakePlot;
    expect(plot.opts.series.map((s) => s.label)).toEqual([
      undefined,
      'bold-owl',
      'bold-owl (raw)',
      'calm-fox',
      'calm-fox (raw)',
      'keen-elk',
      'keen-elk (raw)',
    ]);
    // Raw values are kept as they are; the smoothed line is the EMA (0.7, then (0.35·0.7+0.5·0.5)/0.75).
    expect(plot.data[2]).toEqual([0.7, 0.5, 0.4, null]);
    expect(plot.data[1]?.[1]).toBeCloseTo((0.5 * 0.35 + 0.25) / 0.75, 10);
    fireEvent.click(screen.getAllByTestId('legend-item')[2] as HTMLElement);
    expect(plot.setSeries.mock.calls).toEqual([
      [5, { show: false }],
      [6, { show: false }],
    ]);
  });

  it('draws once on first render, and pushes only new data into the existing plot', () => {
    const { rerender } = render(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale={false} />);
    expect(plots).toHaveLength(1);
    const plot = plots[0] as FakePlot;
    expect(plot.setData).not.toHaveBeenCalled();
    // same series again (a re-render): nothing to redraw
    rerender(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale={false} />);
    expect(plot.setData).not.toHaveBeenCalled();
    const more = series.map((s) => ({ ...s, x: [...s.x, 9], y: [...s.y, 0.1] }));
    rerender(<MetricChart title="loss" series={more} xMode="step" smoothing={0} logScale={false} />);
    expect(plots).toHaveLength(1);
    expect(plot.setData).toHaveBeenCalledTimes(1);
    expect(plot.setData.mock.calls[0]?.[0]?.[0]).toEqual([0, 1, 2, 4, 9]);
  });

  it('reports the x range the user zoomed to, and null when the zoom is reset', () => {
    const onZoom = vi.fn();
    render(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale={false} onZoom={onZoom} />);
    const plot = plots.at(-1) as FakePlot;
    // a click (no drag) is not a zoom
    plot.select = { width: 1, left: 40 };
    act(() => plot.opts.hooks.setSelect[0]?.(plot));
    expect(onZoom).not.toHaveBeenCalled();
    plot.select = { width: 50, left: 10 };
    act(() => plot.opts.hooks.setSelect[0]?.(plot));
    expect(onZoom).toHaveBeenLastCalledWith({ min: 20, max: 120 });
    fireEvent.click(screen.getByTestId('chart-reset-zoom'));
    expect(onZoom).toHaveBeenLastCalledWith(null);
    expect(plot.setData).toHaveBeenLastCalledWith(plot.data, true);
  });

  it('keeps hidden series hidden when the plot is rebuilt, and uses a log axis on request', () => {
    const { rerender } = render(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale={false} />);
    fireEvent.click(screen.getAllByTestId('legend-item')[0] as HTMLElement);
    rerender(<MetricChart title="loss" series={series} xMode="step" smoothing={0} logScale />);
    const plot = plots.at(-1) as FakePlot;
    expect(plots.length).toBeGreaterThan(1);
    expect(plot.opts.scales.y?.distr).toBe(3);
    expect(plot.opts.series[1]?.show).toBe(false);
    expect(plot.opts.series[2]?.show).toBe(true);
  });

  it('fetches a zoomed range at full detail for that chart, and goes back to the overview on reset', async () => {
    const api = createFakeApi({ sources: [makeSource()], runs: [makeRun({ id: 1 })] });
    api.handle('metrics.keys', async () => ({ ok: true, value: [{ key: 'loss', runIds: [1] }] }));
    api.handle('metrics.series', async ({ range }) => ({
      ok: true,
      value: [range ? { runId: 1, runName: 'r', key: 'loss', x: [100, 101, 102], y: [0.3, 0.9, 0.2], total: 1000 } : { runId: 1, runName: 'r', key: 'loss', x: [0, 500, 999], y: [1, 0.5, 0.1], total: 1000 }],
    }));
    renderApp(api);
    fireEvent.click(await screen.findByTestId('nav-runs'));
    fireEvent.click(within((await screen.findAllByTestId('run-row'))[0] as HTMLElement).getByTestId('run-check'));
    await screen.findByTestId('metric-chart');
    const plot = plots.at(-1) as FakePlot;
    expect(plot.data[0]).toEqual([0, 500, 999]);
    plot.select = { width: 10, left: 50 };
    act(() => plot.opts.hooks.setSelect[0]?.(plot));
    await waitFor(() => expect(plot.setData).toHaveBeenCalled());
    expect(api.callsTo('metrics.series').at(-1)).toMatchObject({ runIds: [1], keys: ['loss'], range: { min: 100, max: 120 } });
    // the detail replaces the overview in the same plot, keeping the zoomed scale
    expect(plots.at(-1)).toBe(plot);
    expect(plot.setData.mock.calls.at(-1)?.[0]?.[0]).toEqual([100, 101, 102]);
    expect(plot.setData.mock.calls.at(-1)?.[1]).toBe(false);
    fireEvent.click(screen.getByTestId('chart-reset-zoom'));
    await waitFor(() => expect(plot.setData.mock.calls.at(-1)?.[0]?.[0]).toEqual([0, 500, 999]));
    expect(plot.setData.mock.calls.at(-1)?.[1]).toBe(true);
  });
});
