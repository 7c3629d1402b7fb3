/**
 * Min/max-per-bucket downsampling: keeps every spike a chart would show at its width, in x order.
 * The index picker works on any array-like (plain arrays for small inputs, Float64Array views of the
 * stored blobs for big ones) so a 1M-point series is never copied into JS arrays to be thinned.
 */

/**
 * Indices (ascending) of the points to keep from `y[from..to)`: per bucket its first minimum and
 * first maximum. All indices of the range when it already fits in `maxPoints`.
 */
export function minMaxIndices(y: ArrayLike<number>, maxPoints: number, from = 0, to = y.length): Uint32Array {
  const n = to - from;
  if (n <= 0) return new Uint32Array(0);
  if (n <= maxPoints) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = from + i;
    return all;
  }
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = n / buckets;
  const out = new Uint32Array(buckets * 2);
  let k = 0;
  for (let b = 0; b < buckets; b++) {
    const start = from + Math.floor(b * size);
    const end = Math.min(to, from + Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    let loV = y[start] as number;
    let hiV = loV;
    for (let i = start + 1; i < end; i++) {
      const v = y[i] as number;
      if (v < loV) {
        lo = i;
        loV = v;
      }
      if (v > hiV) {
        hi = i;
        hiV = v;
      }
    }
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    out[k++] = first;
    if (second !== first) out[k++] = second;
  }
  return out.subarray(0, k);
}

/** `minMaxIndices` applied to paired x/y arrays; returns the input unchanged when it already fits. */
export function downsampleMinMax(x: number[], y: number[], maxPoints: number): { x: number[]; y: number[] } {
  if (x.length <= maxPoints) return { x, y };
  const keep = minMaxIndices(y, maxPoints);
  return { x: pick(x, keep), y: pick(y, keep) };
}

/** The values at `indices`, as a plain array (what the contract and JSON carry). */
export function pick(a: ArrayLike<number>, indices: ArrayLike<number>): number[] {
  const out = new Array<number>(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = a[indices[i] as number] as number;
  return out;
}
