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
