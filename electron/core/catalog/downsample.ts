/**
 * Min/max-per-bucket downsampling: keeps every spike a chart would show at its width, in x order.
 * Returns the input unchanged when it already fits.
 */
export function downsampleMinMax(x: number[], y: number[], maxPoints: number): { x: number[]; y: number[] } {
  const n = x.length;
  if (n <= maxPoints) return { x, y };
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = n / buckets;
  const ox: number[] = [];
  const oy: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if ((y[i] as number) < (y[lo] as number)) lo = i;
      if ((y[i] as number) > (y[hi] as number)) hi = i;
    }
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    ox.push(x[first] as number);
    oy.push(y[first] as number);
    if (second !== first) {
      ox.push(x[second] as number);
      oy.push(y[second] as number);
    }
  }
  return { x: ox, y: oy };
}
