import { cleanup, fireEvent, render, screen } from '@testing-library/react';
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
  select = { width: 0 };
  ctx = { canvas: null };
  constructor(
    readonly opts: { series: Array<{ label?: string; show?: boolean; stroke?: string }>; scales: Record<string, { distr?: number }> },
    readonly data: Array<Array<number | null>>,
  ) {
    plots.push(this);
  }
}
vi.mock('uplot', () => ({ default: FakePlot }));
vi.mock('uplot/dist/uPlot.min.css', () => ({}));

const { MetricChart } = await import('./MetricChart');

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
});
