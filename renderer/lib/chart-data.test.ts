import { describe, expect, it } from 'vitest';
import { alignSeries, colorFor, ema, fileNameFor, forLogScale, SERIES_COLORS, toCsv } from './chart-data';

describe('ema (TensorBoard-style, debiased)', () => {
  it('is the identity at weight 0 and keeps a constant series constant at any weight', () => {
    expect(ema([3, 1, 4, 1, 5], 0)).toEqual([3, 1, 4, 1, 5]);
    for (const w of [0.3, 0.9, 0.99]) for (const v of ema([2, 2, 2, 2], w)) expect(v).toBeCloseTo(2, 12);
  });

  it('weights the past by w and the new point by 1 − w, without pulling the start towards zero', () => {
    // last: 0 → 0.5·0 + 0.5·0 = 0, debias 0.5 → 0; then 0.5·0 + 0.5·10 = 5, debias 0.75 → 6.667
    const [a, b] = ema([0, 10], 0.5);
    expect(a).toBe(0);
    expect(b).toBeCloseTo(20 / 3, 10);
    // The first value is never shrunk.
    expect(ema([8, 0, 0], 0.9)[0]).toBeCloseTo(8, 12);
    // Smoothing reduces the spread of a noisy series.
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1));
    const smooth = ema(noisy, 0.9).slice(50);
    expect(Math.max(...smooth) - Math.min(...smooth)).toBeLessThan(0.25);
  });

  it('passes non-finite values through without breaking the average', () => {
    const out = ema([1, Number.NaN, 1], 0.8);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBeCloseTo(1, 12);
  });
});

describe('alignSeries', () => {
  it('builds one sorted x axis and fills missing points with null', () => {
    expect(
      alignSeries([
        { x: [0, 10, 20], y: [1, 2, 3] },
        { x: [5, 10], y: [7, Number.NaN] },
      ]),
    ).toEqual([
      [0, 5, 10, 20],
      [1, null, 2, 3],
      [null, 7, null, null],
    ]);
  });

  it('drops values a log scale cannot show', () => {
    expect(forLogScale([1, 0, -2, null, 0.5])).toEqual([1, null, null, null, 0.5]);
  });
});

describe('export helpers', () => {
  it('writes CSV in long format with quoting and ISO dates for time axes', () => {
    const series = [{ id: 'a', label: 'run "a", v2', x: [0, 1], y: [0.5, Number.NaN] }];
    expect(toCsv(series, 'step')).toBe('series,step,value\n"run ""a"", v2",0,0.5\n"run ""a"", v2",1,\n');
    expect(toCsv([{ id: 'b', label: 'b', x: [Date.UTC(2026, 0, 2)], y: [1] }], 'time')).toBe(
      'series,time,value\nb,2026-01-02T00:00:00.000Z,1\n',
    );
    expect(toCsv([{ id: 'c', label: 'c', x: [0, 1], y: [1, 2] }], 'index', ['v1', 'v2'])).toBe('series,version,value\nc,v1,1\nc,v2,2\n');
  });

  it('makes safe file names and cycles colours', () => {
    expect(fileNameFor('churn: val/loss', 'png')).toBe('churn-val-loss.png');
    expect(fileNameFor('***', 'csv')).toBe('chart.csv');
    expect(colorFor(SERIES_COLORS.length)).toBe(colorFor(0));
  });
});
