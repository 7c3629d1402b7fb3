import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { MetricPoint, ParsedRun } from '../runs/types';
import { downsampleMinMax, minMaxIndices } from './downsample';
import { Insights } from './insights';
import { decodeOverview, encodeOverview, fromBlob, toBlob } from './metric-blob';
import { OVERVIEW_POINTS, packSeries } from './metric-pack';
import { openCatalogDb } from './open';
import { RunsStore } from './runs-store';

function run(metrics: Record<string, MetricPoint[]>): ParsedRun {
  return { format: 'tensorboard', name: 'r', status: null, startedMs: null, endedMs: null, params: {}, tags: {}, metrics, inputs: [], outputs: [], warnings: [] };
}

function setup(): { db: Database.Database; store: RunsStore; insights: Insights } {
  const db = openCatalogDb(':memory:');
  db.prepare("INSERT INTO source (name, kind, url, created_at) VALUES ('a', 'local', '/a', 0)").run();
  return { db, store: new RunsStore(db), insights: new Insights(db) };
}

/** A long noisy loss curve with one spike up and one dip down at known steps. */
function longCurve(n: number, spikeAt: number, dipAt: number): MetricPoint[] {
  const pts: MetricPoint[] = new Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const noise = (seed / 2147483648 - 0.5) * 0.01;
    const value = i === spikeAt ? 50 : i === dipAt ? -50 : 4 / (1 + i / 1000) + noise;
    pts[i] = { step: i * 10, wallMs: 1_700_000_000_000 + i * 1000, value };
  }
  return pts;
}

describe('metric blobs', () => {
  it('round-trip float64 arrays bit for bit, from aligned and unaligned memory', () => {
    const a = Float64Array.from([0, -0, 1.5, -3e300, 5e-324, Number.NaN, 2 ** 53 + 2]);
    const blob = toBlob(a);
    expect(blob.byteLength).toBe(56);
    const back = fromBlob(blob);
    expect(Array.from(back)).toEqual(Array.from(a));
    expect(Object.is(back[1], -0)).toBe(true);
    // better-sqlite3 may hand small blobs out of a shared pool at any offset
    const shifted = new Uint8Array(blob.byteLength + 3);
    shifted.set(blob, 3);
    expect(Array.from(fromBlob(shifted.subarray(3)))).toEqual(Array.from(a));
    expect(() => fromBlob(new Uint8Array(12))).toThrow(/not a float64 array/);
  });

  it('keep an overview as three equal arrays', () => {
    const o = { steps: Float64Array.from([1, 2]), walls: Float64Array.from([Number.NaN, 7]), values: Float64Array.from([0.5, 0.25]) };
    const back = decodeOverview(encodeOverview(o));
    expect(Array.from(back.steps)).toEqual([1, 2]);
    expect(Array.from(back.walls)).toEqual([Number.NaN, 7]);
    expect(Array.from(back.values)).toEqual([0.5, 0.25]);
    expect(() => decodeOverview(toBlob(new Float64Array(4)))).toThrow(/three equal arrays/);
  });
});

describe('min/max downsampling', () => {
  it('keeps a one-point spike and dip anywhere in a million points', () => {
    const n = 1_000_000;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.sin(i / 5000);
    y[654_321] = 99;
    y[123_457] = -99;
    const keep = minMaxIndices(y, 2000);
    expect(keep.length).toBeLessThanOrEqual(2000);
    expect(Array.from(keep)).toContain(654_321);
    expect(Array.from(keep)).toContain(123_457);
    // x order, no duplicates
    for (let i = 1; i < keep.length; i++) expect((keep[i] as number) > (keep[i - 1] as number)).toBe(true);
  });

  it('returns every index of a range that fits, and thins only the range asked for', () => {
    expect(Array.from(minMaxIndices([3, 1, 2], 10))).toEqual([0, 1, 2]);
    const y = [0, 0, 9, 0, 0, 0, 0, -9, 0, 0];
    expect(Array.from(minMaxIndices(y, 2, 4, 10))).toEqual([4, 7]);
    expect(downsampleMinMax([0, 1, 2, 3], [5, 1, 7, 2], 2)).toEqual({ x: [1, 2], y: [1, 7] });
  });
});

describe('RunsStore + Insights: packed metric series', () => {
  it('stores small series exactly: sorted by step, non-finite points left out, step and time axes', () => {
    const { store, insights, db } = setup();
    const id = store.save(1, 1, 'runs/a', run({
      loss: [
        { step: 2, wallMs: 3000, value: 0.3 },
        { step: 0, wallMs: 1000, value: 0.9 },
        { step: 1, wallMs: 2000.7, value: Number.NaN },
        { step: 1.9, wallMs: 2000.7, value: 0.5 },
      ],
      lr: [
        { step: 0, wallMs: null, value: 1e-3 },
        { step: 5, wallMs: 42, value: 5e-4 },
      ],
      broken: [{ step: 0, wallMs: null, value: Number.POSITIVE_INFINITY }],
    }), 'fp');
    expect(insights.metricKeys([id])).toEqual([{ key: 'loss', runIds: [id] }, { key: 'lr', runIds: [id] }]);
    const [loss] = insights.series([id], ['loss'], 'step', 2000);
    expect(loss).toMatchObject({ key: 'loss', x: [0, 1, 2], y: [0.9, 0.5, 0.3], total: 3 });
    expect(insights.series([id], ['loss'], 'time', 2000)[0]).toMatchObject({ x: [1000, 2000, 3000], y: [0.9, 0.5, 0.3] });
    // Only points with a wall time go on a time axis.
    expect(insights.series([id], ['lr'], 'time', 2000)[0]).toMatchObject({ x: [42], y: [5e-4], total: 2 });
    const summary = db.prepare("SELECT count, first_step, last_step, last_value, min_value, max_value FROM metric_series WHERE key = 'loss'").get();
    expect(summary).toEqual({ count: 3, first_step: 0, last_step: 2, last_value: 0.3, min_value: 0.3, max_value: 0.9 });
    // A rescan replaces the series and their points.
    store.save(1, 2, 'runs/a', run({ loss: [{ step: 0, wallMs: null, value: 1 }] }), 'fp2');
    expect(db.prepare('SELECT COUNT(*) AS n FROM metric_data').get()).toEqual({ n: 1 });
    expect(insights.series([id], ['loss'], 'step', 2000)[0]).toMatchObject({ x: [0], y: [1], total: 1 });
  });

  it('answers a chart-sized request for a 1M-point series from the overview alone, spikes kept', () => {
    const { store, db } = setup();
    const n = 1_000_000;
    const pts = longCurve(n, 777_777, 222_222);
    const id = store.save(1, 1, 'runs/long', run({ 'train/loss': pts }), 'fp');
    // What the chart's first request may read: record every statement this Insights prepares.
    const prepared: string[] = [];
    const real = db.prepare.bind(db);
    (db as { prepare: (sql: string) => Database.Statement }).prepare = (sql: string) => {
      prepared.push(sql);
      return real(sql);
    };
    const insights = new Insights(db);
    const t0 = performance.now();
    const [s] = insights.series([id], ['train/loss'], 'step', 2000);
    const ms = performance.now() - t0;
    expect(prepared.join('\n')).toMatch(/SELECT overview FROM metric_data/);
    expect(prepared.join('\n')).not.toMatch(/SELECT steps|vals/);
    expect(s?.total).toBe(n);
    expect(s?.x.length).toBeLessThanOrEqual(2000);
    expect(s?.x.length).toBeGreaterThan(1900);
    expect(s?.x).toContain(7_777_770);
    expect(s?.y).toContain(50);
    expect(s?.y).toContain(-50);
    // Reading a ~100 KB blob and thinning 4k points; the old per-row read took over a second.
    expect(ms).toBeLessThan(200);
    const timeAxis = insights.series([id], ['train/loss'], 'time', 2000)[0];
    expect(timeAxis?.x).toContain(1_700_000_000_000 + 777_777 * 1000);
    expect(prepared.join('\n')).not.toMatch(/SELECT steps|vals/);
  });

  it('reads the full arrays for finer requests, with the same result as thinning every point', () => {
    const { store, insights } = setup();
    const n = 50_000;
    const pts = longCurve(n, 31_337, 40_001);
    const id = store.save(1, 1, 'runs/long', run({ loss: pts }), 'fp');
    const want = downsampleMinMax(pts.map((p) => p.step), pts.map((p) => p.value), 20_000);
    const [s] = insights.series([id], ['loss'], 'step', 20_000);
    expect(s?.x).toEqual(want.x);
    expect(s?.y).toEqual(want.y);
    // Export asks for everything.
    const all = insights.series([id], ['loss'], 'step', Number.MAX_SAFE_INTEGER)[0];
    expect(all?.x.length).toBe(n);
    expect(all?.y[31_337]).toBe(50);
  });

  it('gives a zoomed range at full detail: every point inside it, nothing outside, on either axis', () => {
    const { store, insights } = setup();
    const n = 200_000;
    const pts = longCurve(n, 150_003, 10);
    const id = store.save(1, 1, 'runs/long', run({ loss: pts }), 'fp');
    // steps are i*10: [1_500_000, 1_500_500] holds points 150_000..150_050 (51 points), spike included
    const [z] = insights.series([id], ['loss'], 'step', 2000, [], { min: 1_500_000, max: 1_500_500 });
    expect(z?.x).toEqual(Array.from({ length: 51 }, (_, i) => 1_500_000 + i * 10));
    expect(z?.y[3]).toBe(50);
    expect(z?.total).toBe(n);
    // a wide range is thinned to maxPoints, within the range
    const [wide] = insights.series([id], ['loss'], 'step', 1000, [], { min: 100_000, max: 1_800_000 });
    expect(wide?.x.length).toBeLessThanOrEqual(1000);
    expect(Math.min(...(wide?.x ?? []))).toBeGreaterThanOrEqual(100_000);
    expect(Math.max(...(wide?.x ?? []))).toBeLessThanOrEqual(1_800_000);
    expect(wide?.y).toContain(50);
    // time axis: wall = T + i*1000
    const t0 = 1_700_000_000_000;
    const [byTime] = insights.series([id], ['loss'], 'time', 2000, [], { min: t0 + 150_000_000, max: t0 + 150_004_000 });
    expect(byTime?.x).toEqual([0, 1, 2, 3, 4].map((i) => t0 + (150_000 + i) * 1000));
    // a range with no points
    expect(insights.series([id], ['loss'], 'step', 2000, [], { min: -5, max: -1 })[0]).toMatchObject({ x: [], y: [] });
  });

  it('serves a request of exactly the overview size with what thinning every point gives', () => {
    const n = OVERVIEW_POINTS * 10 + 7;
    const pts = longCurve(n, 5, n - 3);
    const packed = packSeries(pts);
    expect(packed?.overview?.steps.length).toBeLessThanOrEqual(OVERVIEW_POINTS);
    const { store, insights } = setup();
    const id = store.save(1, 1, 'runs/x', run({ loss: pts }), 'fp');
    const want = downsampleMinMax(pts.map((p) => p.step), pts.map((p) => p.value), OVERVIEW_POINTS);
    expect(insights.series([id], ['loss'], 'step', OVERVIEW_POINTS)[0]?.x).toEqual(want.x);
  });
});
