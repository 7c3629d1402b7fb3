import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../demo/model-writers';
import { sparseRange } from './bytes';
import { readFormat } from './index';
import { bufferRange } from './range-source';
import { readSafetensors, readSafetensorsIndex } from './safetensors';
import { concat, cutPoints, enc, u64le } from './test-helpers';

function file(header: object, dataBytes: number): Uint8Array {
  const json = enc(JSON.stringify(header));
  return concat(u64le(json.length), json, new Uint8Array(dataBytes));
}

describe('readSafetensors', () => {
  const valid = writeSafetensors([
    { name: 'a.weight', dtype: 'F32', shape: [4, 8], values: new Array(32).fill(0.5) },
    { name: 'a.bias', dtype: 'F16', shape: [8], values: new Array(8).fill(1) },
  ], { format: 'pt', note: 'demo' });

  it('reads tensors, parameters, dtypes and __metadata__', async () => {
    const info = await readSafetensors(bufferRange(valid));
    expect(info).toMatchObject({ format: 'safetensors', kind: 'model', warnings: [] });
    expect(info.metadata).toMatchObject({ tensors: 2, parameters: 40, dtypes: { F32: 32, F16: 8 }, metadata: { format: 'pt', note: 'demo' } });
  });

  it('reads at most header + 64 KiB of a 64 MiB file', async () => {
    const n = 3000;
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    const per = (64 * 1024 * 1024) / n;
    const elems = Math.floor(per / 4);
    for (let i = 0; i < n; i++) header[`layer.${i}.weight`] = { dtype: 'F32', shape: [elems], data_offsets: [i * elems * 4, (i + 1) * elems * 4] };
    const json = enc(JSON.stringify(header));
    const size = 8 + json.length + n * elems * 4;
    const src = sparseRange(concat(u64le(json.length), json), size);
    const info = await readSafetensors(src);
    expect(info.metadata.tensors).toBe(n);
    expect(info.metadata.parameters).toBe(n * elems);
    expect(json.length).toBeGreaterThan(64 * 1024);
    expect(src.bytesRead).toBe(8 + json.length);
    expect(src.reads).toBe(2);
    console.log(`safetensors: header ${json.length} B, file ${size} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('reads a small-header big file in a single read', async () => {
    const json = enc(JSON.stringify({ w: { dtype: 'BF16', shape: [1024, 1024], data_offsets: [0, 2 * 1024 * 1024] } }));
    const s2 = sparseRange(concat(u64le(json.length), json), 8 + json.length + 2 * 1024 * 1024);
    const info = await readSafetensors(s2);
    expect(info.metadata.parameters).toBe(1024 * 1024);
    expect(s2.reads).toBe(1);
    expect(s2.bytesRead).toBe(64 * 1024);
  });

  it('rejects a truncated file at every cut point without throwing past readFormat', async () => {
    for (const cut of cutPoints(valid.length)) {
      const info = await readFormat('x.safetensors', bufferRange(valid.subarray(0, cut)));
      expect(info?.format).toBe('safetensors');
      if (cut < 8 + 100) expect(info?.warnings.length).toBeGreaterThan(0);
    }
    // data truncated: header intact, tensors run past the end
    const header = Number(new DataView(valid.buffer).getBigUint64(0, true));
    const info = await readSafetensors(bufferRange(valid.subarray(0, 8 + header + 10)));
    expect(info.metadata.invalidTensors).toBe(2);
    expect(info.warnings.join(' ')).toMatch(/past the end/);
  });

  it('rejects hostile headers', async () => {
    const huge = concat(u64le(100_000_001), enc('{}'));
    await expect(readSafetensors(bufferRange(huge))).rejects.toThrow(/100 MB/);
    const maxU64 = concat(u64le(2n ** 64n - 1n), enc('{}'));
    await expect(readSafetensors(bufferRange(maxU64))).rejects.toThrow(/100 MB/);
    const beyond = concat(u64le(5000), enc('{"a":1}'));
    await expect(readSafetensors(bufferRange(beyond))).rejects.toThrow(/truncated/);
    await expect(readSafetensors(bufferRange(concat(u64le(3), enc('[1]'))))).rejects.toThrow(/"\{"/);
    await expect(readSafetensors(bufferRange(concat(u64le(4), enc('{"a"'))))).rejects.toThrow(/JSON/);
    await expect(readSafetensors(bufferRange(concat(u64le(4), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))))).rejects.toThrow(/UTF-8/);

    const bad = file({
      neg: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] },
      overflow: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] },
      mismatch: { dtype: 'F32', shape: [2], data_offsets: [0, 4] },
      backwards: { dtype: 'F32', shape: [1], data_offsets: [8, 4] },
      unknown: { dtype: 'Q9', shape: [1], data_offsets: [0, 1] },
      past: { dtype: 'U8', shape: [100], data_offsets: [0, 100] },
      frac: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] },
      notobj: 7,
      ok: { dtype: 'F4', shape: [3], data_offsets: [0, 2] },
    }, 8);
    const info = await readSafetensors(bufferRange(bad));
    expect(info.metadata.tensors).toBe(1);
    expect(info.metadata.parameters).toBe(3);
    expect(info.metadata.invalidTensors).toBe(8);
    expect(info.warnings.length).toBeGreaterThanOrEqual(8);
  });

  it('never reads more than the readFormat byte cap', async () => {
    const json = enc(JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }));
    const src = sparseRange(concat(u64le(json.length), json), 8 + json.length);
    const info = await readFormat('big.safetensors', src);
    expect(info?.warnings[0]).toMatch(/read limit/);
    expect(src.bytesRead).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});

describe('readSafetensorsIndex', () => {
  it('reads total_size and the shard list', async () => {
    const doc = { metadata: { total_size: 123456 }, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' } };
    const info = await readSafetensorsIndex(bufferRange(enc(JSON.stringify(doc))));
    expect(info.metadata).toEqual({ totalSize: 123456, tensors: 3, shardCount: 2, shards: ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'] });
  });

  it('scans a large index in chunks', async () => {
    const map: Record<string, string> = {};
    for (let i = 0; i < 60_000; i++) map[`model.layers.${i}.self_attn.q_proj.weight`] = `model-${String((i % 7) + 1).padStart(5, '0')}-of-00007.safetensors`;
    const bytes = enc(JSON.stringify({ metadata: { total_size: 987654321 }, weight_map: map }, null, 2));
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    const info = await readSafetensorsIndex(bufferRange(bytes));
    expect(info.metadata).toMatchObject({ totalSize: 987654321, tensors: 60_000, shardCount: 7 });
  });

  it('rejects garbage', async () => {
    await expect(readSafetensorsIndex(bufferRange(enc('not json')))).rejects.toThrow(/JSON/);
    const info = await readFormat('model.safetensors.index.json', bufferRange(enc('[')));
    expect(info).toMatchObject({ format: 'safetensors-index', metadata: {} });
  });
});
