import { describe, expect, it } from 'vitest';
import { Pb, writeOnnx } from '../demo/model-writers';
import { sparseRange } from './bytes';
import { readFormat } from './index';
import { readOnnx } from './onnx';
import { bufferRange } from './range-source';
import { concat, cutPoints } from './test-helpers';

const spec = {
  irVersion: 9, producerVersion: '2.5.0', opset: 18, modelVersion: 2, docString: 'doc', graphName: 'g',
  input: { name: 'x', shape: ['N', 8] as (number | string)[] }, output: { name: 'y', shape: ['N', 2] as (number | string)[] },
  nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], name: 'gemm' }],
  initializers: [{ name: 'w', dims: [8, 2], values: new Array(16).fill(0.1) }, { name: 'b', dims: [2], values: [0, 0] }],
  metadata: { author: 'me' },
};

describe('readOnnx', () => {
  it('reads model fields, opset, metadata_props and the graph', async () => {
    const info = await readOnnx(bufferRange(writeOnnx(spec)));
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({
      irVersion: 9, producerName: 'pytorch', producerVersion: '2.5.0', modelVersion: 2, opset: 18,
      metadataProps: { author: 'me' }, graphName: 'g', nodes: 1, initializers: 2, parameters: 18,
      ops: { Gemm: 1 }, inputs: ['x'], outputs: ['y'], dtypes: { FLOAT: 18 },
    });
  });

  it('jumps over a large graph and reads the fields after it', async () => {
    // ModelProto with a 200 MiB graph whose content is one huge initializer; opset + metadata follow it.
    const tensorHead = new Pb().varint(1, 50_000_000).varint(2, 1).string(8, 'huge').toBytes();
    const rawLen = 200_000_000;
    const tensorLen = tensorHead.length + 1 + varintLen(rawLen) + rawLen;
    const graphLen = 1 + varintLen(tensorLen) + tensorLen;
    const prefix = concat(
      new Pb().varint(1, 8).string(2, 'tf2onnx').toBytes(),
      Uint8Array.of(0x3a), varint(graphLen),
      Uint8Array.of(0x2a), varint(tensorLen), tensorHead, Uint8Array.of(0x4a), varint(rawLen),
    );
    const tail = new Pb().message(8, new Pb().string(1, '').varint(2, 15)).message(14, new Pb().string(1, 'k').string(2, 'v')).toBytes();
    const size = prefix.length + rawLen + tail.length;
    const src = sparseRange(prefix, size, tail);
    const info = await readOnnx(src);
    expect(info.metadata).toMatchObject({ irVersion: 8, producerName: 'tf2onnx', opset: 15, metadataProps: { k: 'v' }, initializers: 1, parameters: 50_000_000 });
    expect(src.bytesRead).toBeLessThanOrEqual(2 * 1024 * 1024);
    console.log(`onnx: file ${size} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('counts every parameter of a transformer with hundreds of inline initializers for header + 1 MiB', async () => {
    // 300 initializers of 1M floats each (raw_data left as holes), after 500 nodes: ~1.2 GB of weights.
    const segs: Array<Uint8Array | number> = [];
    const graph: Array<Uint8Array | number> = [];
    for (let i = 0; i < 500; i++) {
      graph.push(new Pb().message(1, new Pb().string(1, `in_${i}`).string(2, `out_${i}`).string(3, `/layer.${i}/MatMul`).string(4, 'MatMul')).toBytes());
    }
    let parameters = 0;
    for (let i = 0; i < 300; i++) {
      const head = new Pb().varint(1, 1024).varint(1, 1024).varint(2, 1).string(8, `layer.${i}.weight`).toBytes();
      const raw = 1024 * 1024 * 4;
      const tensorLen = head.length + 1 + varintLen(raw) + raw;
      graph.push(concat(Uint8Array.of(0x2a), varint(tensorLen), head, Uint8Array.of(0x4a), varint(raw)), raw);
      parameters += 1024 * 1024;
    }
    const graphLen = graph.reduce<number>((n, g) => n + (typeof g === 'number' ? g : g.length), 0);
    segs.push(new Pb().varint(1, 8).string(2, 'pytorch').toBytes(), concat(Uint8Array.of(0x3a), varint(graphLen)), ...graph);
    segs.push(new Pb().message(8, new Pb().string(1, '').varint(2, 17)).toBytes());
    const src = segmentedRange(segs);
    const header = segs.reduce<number>((n, g) => n + (typeof g === 'number' ? 0 : g.length), 0);
    const info = await readOnnx(src);
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({ opset: 17, nodes: 500, initializers: 300, parameters, dtypes: { FLOAT: parameters } });
    expect(src.bytesRead).toBeLessThanOrEqual(header + 1024 * 1024);
    console.log(`onnx: ${(src.size / 2 ** 30).toFixed(2)} GiB, header ${header} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('survives truncation at every cut point', async () => {
    const bytes = writeOnnx(spec);
    for (const cut of cutPoints(bytes.length)) {
      const info = await readFormat('m.onnx', bufferRange(bytes.subarray(0, cut)));
      expect(info?.format).toBe('onnx');
    }
  });

  it('rejects non-protobuf and hostile input', async () => {
    await expect(readOnnx(bufferRange(new TextEncoder().encode('hello world, not onnx')))).rejects.toThrow();
    await expect(readOnnx(bufferRange(Uint8Array.of(0x0f, 0x00)))).rejects.toThrow(/wire type/);
    // length-delimited field claiming 2^50 bytes
    await expect(readOnnx(bufferRange(concat(Uint8Array.of(0x12), varint(2 ** 50))))).rejects.toThrow(/past the end/);
    // 11-byte varint
    await expect(readOnnx(bufferRange(Uint8Array.of(0x08, ...new Array(11).fill(0xff))))).rejects.toThrow(/varint/);
    // valid protobuf but no ONNX fields
    await expect(readOnnx(bufferRange(new Pb().string(2, 'x').toBytes()))).rejects.toThrow(/no ONNX/);
    // negative (10-byte) dims in an initializer do not produce a parameter count of garbage
    const neg = new Pb().varint(1, 7).message(7, new Pb().message(5, new Pb().varint(1, 2 ** 64 - 1).varint(2, 1))).toBytes();
    const info = await readOnnx(bufferRange(neg));
    expect(info.metadata.parameters).toBe(0);
  });
});

function varintLen(n: number): number {
  return varint(n).length;
}
function varint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** A RangeSource over byte segments and holes (numbers: that many zero bytes), counting what was read. */
function segmentedRange(segs: Array<Uint8Array | number>) {
  const parts: Array<{ at: number; bytes: Uint8Array | null; len: number }> = [];
  let at = 0;
  for (const s of segs) {
    const len = typeof s === 'number' ? s : s.length;
    parts.push({ at, bytes: typeof s === 'number' ? null : s, len });
    at += len;
  }
  const src = {
    size: at,
    bytesRead: 0,
    reads: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const n = Math.max(0, Math.min(length, at - offset));
      src.bytesRead += n;
      src.reads++;
      const out = new Uint8Array(n);
      for (const p of parts) {
        if (!p.bytes || p.at + p.len <= offset || p.at >= offset + n) continue;
        const from = Math.max(offset, p.at);
        const to = Math.min(offset + n, p.at + p.len);
        out.set(p.bytes.subarray(from - p.at, to - p.at), from - offset);
      }
      return out;
    },
  };
  return src;
}
