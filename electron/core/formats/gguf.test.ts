import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../demo/binary';
import { type GgufValue, writeGguf } from '../demo/model-writers';
import { sparseRange } from './bytes';
import { readGguf } from './gguf';
import { readFormat } from './index';
import { bufferRange } from './range-source';
import { cutPoints } from './test-helpers';

const baseKv: [string, GgufValue][] = [
  ['general.architecture', { t: 'str', v: 'qwen2' }],
  ['general.name', { t: 'str', v: 'Qwen Tiny' }],
  ['general.file_type', { t: 'u32', v: 7 }],
  ['qwen2.context_length', { t: 'u32', v: 32768 }],
  ['qwen2.block_count', { t: 'u32', v: 2 }],
];

describe('readGguf', () => {
  it('reads keys, quantization and parameter count', async () => {
    const bytes = writeGguf(
      [...baseKv, ['tokenizer.ggml.tokens', { t: 'arr-str', v: ['a', 'b', 'c'] }], ['general.tags', { t: 'arr-str', v: ['chat', 'tiny'] }]],
      [
        { name: 'w', dims: [32, 4], type: 8, data: new Uint8Array(34 * 4) },
        { name: 'n', dims: [32], type: 0, data: new Uint8Array(128) },
      ],
    );
    const info = await readGguf(bufferRange(bytes));
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({
      version: 3, architecture: 'qwen2', name: 'Qwen Tiny', fileType: 7, quantization: 'Q8_0', contextLength: 32768,
      blockCount: 2, vocabSize: 3, tags: ['chat', 'tiny'], parameters: 160, tensorTypes: { Q8_0: 1, F32: 1 }, headerComplete: true,
    });
  });

  it('skips fixed-width arrays in one jump and reads little of a large file', async () => {
    const big = new Array(500_000).fill(0);
    const bytes = writeGguf([...baseKv, ['tokenizer.ggml.scores', { t: 'arr-f32', v: big }], ['tokenizer.ggml.token_type', { t: 'arr-i32', v: big }], ['general.license', { t: 'str', v: 'mit' }]], [
      { name: 'w', dims: [4096, 4096], type: 0, data: new Uint8Array(0) },
    ]);
    // header ~4 MB of arrays, then a 64 MiB tensor region that is never read
    const headerLen = bytes.length;
    const src = sparseRange(bytes, headerLen + 64 * 1024 * 1024);
    const info = await readGguf(src);
    expect(info.metadata).toMatchObject({ license: 'mit', parameters: 4096 * 4096, headerComplete: true });
    // the 4 MB of arrays are jumped over: only the head and the tail of the header are read
    expect(src.bytesRead).toBeLessThanOrEqual(2 * 1024 * 1024);
    console.log(`gguf: header ${headerLen} B (4 MB of f32/i32 arrays), file ${src.size} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('reads a tokenizer-heavy header within the default cap', async () => {
    const tokens = Array.from({ length: 100_000 }, (_, i) => `tok${i}`);
    const bytes = writeGguf([...baseKv, ['tokenizer.ggml.tokens', { t: 'arr-str', v: tokens }]], [{ name: 'w', dims: [8], type: 0, data: new Uint8Array(32) }]);
    const src = sparseRange(bytes, bytes.length + 10 * 1024 * 1024);
    const info = await readFormat('m.gguf', src);
    expect(info?.metadata).toMatchObject({ vocabSize: 100_000, parameters: 8 });
    expect(src.bytesRead).toBeLessThanOrEqual(bytes.length + 1024 * 1024);
  });

  it('keeps general.* facts when the header is larger than the byte cap', async () => {
    const tokens = Array.from({ length: 300_000 }, (_, i) => `token-${i}`);
    const bytes = writeGguf([...baseKv, ['tokenizer.ggml.tokens', { t: 'arr-str', v: tokens }]], [{ name: 'w', dims: [8], type: 0, data: new Uint8Array(32) }]);
    const info = await readFormat('m.gguf', bufferRange(bytes), { byteCap: 2 * 1024 * 1024 });
    expect(info?.metadata).toMatchObject({ architecture: 'qwen2', quantization: 'Q8_0', headerComplete: false });
    expect(info?.metadata.parameters).toBeUndefined();
    expect(info?.warnings[0]).toMatch(/could not be read completely/);
  });

  it('handles truncation at every cut point', async () => {
    const bytes = writeGguf(baseKv, [{ name: 'w', dims: [8], type: 0, data: new Uint8Array(32) }]);
    for (const cut of cutPoints(bytes.length)) {
      const info = await readFormat('t.gguf', bufferRange(bytes.subarray(0, cut)));
      expect(info?.format).toBe('gguf');
    }
    const info = await readGguf(bufferRange(bytes.subarray(0, bytes.length - 40)));
    expect(info.warnings.join(' ')).toMatch(/truncated|past the end/);
  });

  it('rejects hostile counts, lengths and nesting', async () => {
    const head = (version: number, tensors: bigint, kvs: bigint) => new ByteWriter().utf8('GGUF').u32(version).u64(tensors).u64(kvs);
    await expect(readGguf(bufferRange(head(3, 0n, 2n ** 63n).toBytes()))).rejects.toThrow(/out of range/);
    await expect(readGguf(bufferRange(head(3, 0n, 100_001n).zeros(8).toBytes()))).rejects.toThrow(/limit/);
    await expect(readGguf(bufferRange(head(3, 10_000_001n, 1n).toBytes()))).rejects.toThrow(/limit/);
    await expect(readGguf(bufferRange(head(4, 0n, 0n).toBytes()))).rejects.toThrow(/version/);
    await expect(readGguf(bufferRange(new ByteWriter().utf8('GGUX').zeros(20).toBytes()))).rejects.toThrow(/magic/);

    const kv = (w: ByteWriter, key: string) => w.u64(key.length).utf8(key);
    // huge string length
    let w = head(3, 0n, 1n);
    kv(w, 'general.name').u32(8).u64(2n ** 40n);
    let info = await readGguf(bufferRange(w.toBytes()));
    expect(info.warnings[0]).toMatch(/10 MB/);
    // huge array length
    w = head(3, 0n, 1n);
    kv(w, 'x').u32(9).u32(4).u64(2_000_000);
    info = await readGguf(bufferRange(w.toBytes()));
    expect(info.warnings[0]).toMatch(/limit/);
    // fixed-width array claiming more bytes than the file
    w = head(3, 0n, 1n);
    kv(w, 'x').u32(9).u32(10).u64(900_000);
    info = await readGguf(bufferRange(w.toBytes()));
    expect(info.warnings[0]).toMatch(/past the end/);
    // nesting bomb
    w = head(3, 0n, 1n);
    kv(w, 'x').u32(9);
    for (let i = 0; i < 10; i++) w.u32(9).u64(1);
    info = await readGguf(bufferRange(w.zeros(32).toBytes()));
    expect(info.warnings[0]).toMatch(/nested/);
    // unknown type
    w = head(3, 0n, 1n);
    kv(w, 'x').u32(77).zeros(8);
    info = await readGguf(bufferRange(w.toBytes()));
    expect(info.warnings[0]).toMatch(/unknown value type/);
    // tensor with too many dims and overflowing shape
    w = head(3, 1n, 0n);
    w.u64(1).utf8('t').u32(9);
    info = await readGguf(bufferRange(w.zeros(100).toBytes()));
    expect(info.warnings[0]).toMatch(/dimensions/);
    w = head(3, 1n, 0n);
    w.u64(1).utf8('t').u32(3).u64(2n ** 30n).u64(2n ** 30n).u64(2n ** 30n).u32(0).u64(0);
    info = await readGguf(bufferRange(w.toBytes()));
    expect(info.warnings[0]).toMatch(/overflows/);
  });

  it('reads v1 (u32 counts) and big-endian files', async () => {
    const v1 = new ByteWriter().utf8('GGUF').u32(1).u32(0).u32(1).u32(20).utf8('general.architecture').u32(8).u32(5).utf8('llama').toBytes();
    expect((await readGguf(bufferRange(v1))).metadata).toMatchObject({ version: 1, architecture: 'llama' });
    const be = new Uint8Array([...new TextEncoder().encode('GGUF'), 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect((await readGguf(bufferRange(be))).metadata).toMatchObject({ version: 3, endianness: 'big', tensorCount: 0 });
  });
});
