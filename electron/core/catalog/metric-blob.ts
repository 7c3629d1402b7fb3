// Metric points as packed little-endian float64 arrays (SQLite BLOBs): one row per series instead of
// one row per point, so writing a 1M-point curve is one insert and reading it one blob copy.
import { endianness } from 'node:os';

const LITTLE = endianness() === 'LE';

/** The array's bytes as a Buffer for SQLite (no copy on little-endian machines). */
export function toBlob(a: Float64Array): Buffer {
  if (LITTLE) return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const out = Buffer.alloc(a.byteLength);
  for (let i = 0; i < a.length; i++) out.writeDoubleLE(a[i] as number, i * 8);
  return out;
}

/**
 * A stored blob back as a Float64Array: a view when the bytes are 8-aligned (better-sqlite3 gives big
 * blobs their own aligned memory), else one copy. A length that is not a multiple of 8 is not a blob
 * this code wrote: refused rather than misread.
 */
export function fromBlob(b: Uint8Array): Float64Array {
  if (b.byteLength % 8 !== 0) throw new Error(`metric blob of ${b.byteLength} bytes is not a float64 array`);
  if (!LITTLE) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out = new Float64Array(b.byteLength / 8);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true);
    return out;
  }
  if (b.byteOffset % 8 === 0) return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float64Array(copy.buffer);
}

/**
 * The precomputed overview of a big series: the points min/max downsampling keeps, as one blob of
 * [steps, walls (NaN = none), values], k each. Small enough (≤ 4096 points, 96 KiB) that a chart's
 * first request reads nothing else.
 */
export interface Overview {
  steps: Float64Array;
  walls: Float64Array;
  values: Float64Array;
}

export function encodeOverview(o: Overview): Buffer {
  const k = o.steps.length;
  const all = new Float64Array(k * 3);
  all.set(o.steps, 0);
  all.set(o.walls, k);
  all.set(o.values, 2 * k);
  return toBlob(all);
}

export function decodeOverview(b: Uint8Array): Overview {
  const all = fromBlob(b);
  if (all.length % 3 !== 0) throw new Error('metric overview blob is not three equal arrays');
  const k = all.length / 3;
  return { steps: all.subarray(0, k), walls: all.subarray(k, 2 * k), values: all.subarray(2 * k) };
}
