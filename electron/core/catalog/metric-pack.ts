// Turns a reader's metric points into what the catalog stores for a series: typed arrays in step
// order, summary numbers, and the overview a chart draws first.
import type { MetricPoint } from '../runs/types';
import { minMaxIndices } from './downsample';
import type { Overview } from './metric-blob';

/**
 * Points in a stored overview (at most; min/max keeps two per bucket). A chart asks for about two
 * points per pixel column (~2,000–3,000), so the overview answers it without reading the series;
 * bigger requests (CLI, export, zoom) read the full arrays.
 */
export const OVERVIEW_POINTS = 4096;

export interface PackedSeries {
  steps: Float64Array;
  values: Float64Array;
  /** ms since epoch, NaN where the point has none. */
  walls: Float64Array;
  /** 0: no wall times, 1: all points have one, 2: some do. */
  wallKind: 0 | 1 | 2;
  min: number;
  max: number;
  /** Only for series longer than OVERVIEW_POINTS. */
  overview: Overview | null;
}

/**
 * Finite points sorted by step (stable: equal steps keep their logged order), steps and wall times
 * truncated to integers as the catalog always stored them. null when no point is finite.
 */
export function packSeries(points: readonly MetricPoint[]): PackedSeries | null {
  let finite: readonly MetricPoint[] = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.step));
  const n = finite.length;
  if (n === 0) return null;
  // Readers already sort; checking is O(n) where a sort of a million objects is not free.
  for (let i = 1; i < n; i++) {
    if ((finite[i] as MetricPoint).step < (finite[i - 1] as MetricPoint).step) {
      finite = [...finite].sort((a, b) => a.step - b.step);
      break;
    }
  }
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  const walls = new Float64Array(n);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let withWall = 0;
  for (let i = 0; i < n; i++) {
    const p = finite[i] as MetricPoint;
    steps[i] = Math.trunc(p.step);
    values[i] = p.value;
    if (p.wallMs !== null && Number.isFinite(p.wallMs)) {
      walls[i] = Math.trunc(p.wallMs);
      withWall++;
    } else walls[i] = Number.NaN;
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
  }
  const wallKind = withWall === 0 ? 0 : withWall === n ? 1 : 2;
  return { steps, values, walls, wallKind, min, max, overview: n > OVERVIEW_POINTS ? overviewOf(steps, walls, values) : null };
}

function overviewOf(steps: Float64Array, walls: Float64Array, values: Float64Array): Overview {
  const keep = minMaxIndices(values, OVERVIEW_POINTS);
  const o: Overview = { steps: new Float64Array(keep.length), walls: new Float64Array(keep.length), values: new Float64Array(keep.length) };
  for (let i = 0; i < keep.length; i++) {
    const j = keep[i] as number;
    o.steps[i] = steps[j] as number;
    o.walls[i] = walls[j] as number;
    o.values[i] = values[j] as number;
  }
  return o;
}
