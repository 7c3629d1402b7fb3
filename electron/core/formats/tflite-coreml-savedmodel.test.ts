import { describe, expect, it } from 'vitest';
import { Pb } from '../demo/model-writers';
import { sparseRange } from './bytes';
import { readCoreml } from './coreml';
import { readFormat } from './index';
import { bufferRange } from './range-source';
import { readSavedModel } from './savedmodel';
import { concat, cutPoints, enc, fbBuild, type FbField } from './test-helpers';
import { readTflite } from './tflite';

const str = (v: string): FbField => ({ t: 'str', v });
const u32 = (v: number): FbField => ({ t: 'u32', v });

function tflite(opts: { bigBuffer?: number } = {}): Uint8Array {
  const modelMeta = fbBuild([str('shelf-classifier'), str('Classifies shelf photos'), str('v3'), undefined, str('vision-team'), str('Apache-2.0')], 'M001');
  const buffers: FbField[][] = [[], [{ t: 'vec-u8', v: enc('1.14.0\0\0') }], [{ t: 'vec-u8', v: modelMeta }]];
  if (opts.bigBuffer) buffers.push([{ t: 'vec-u8', v: new Uint8Array(opts.bigBuffer) }]);
  return fbBuild([
    u32(3),
    { t: 'vec-table', v: [[{ t: 'u8', v: 3 }], [{ t: 'u8', v: 9 }]] },
    { t: 'vec-table', v: [[{ t: 'vec-table', v: [[str('input')], [str('w')], [str('output')]] }, { t: 'vec-i32', v: [0] }, { t: 'vec-i32', v: [2] }, { t: 'vec-table', v: [[], []] }, str('main')]] },
    str('TOCO Converted.'),
    { t: 'vec-table', v: buffers },
    undefined,
    { t: 'vec-table', v: [[str('min_runtime_version'), u32(1)], [str('TFLITE_METADATA'), u32(2)]] },
    { t: 'vec-table', v: [[undefined, undefined, str('serving_default')]] },
  ], 'TFL3');
}

describe('readTflite', () => {
  it('reads version, description, subgraph counts, signatures, min_runtime_version and TFLite metadata', async () => {
    const src = bufferRange(tflite());
    const info = await readTflite(src);
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toEqual({
      schemaVersion: 3, description: 'TOCO Converted.', subgraphs: 1, operatorCodes: 2, buffers: 3, tensors: 3, operators: 2,
      subgraphName: 'main', signatures: ['serving_default'], metadataNames: ['min_runtime_version', 'TFLITE_METADATA'],
      minRuntimeVersion: '1.14.0', modelName: 'shelf-classifier', modelDescription: 'Classifies shelf photos', modelVersion: 'v3',
      author: 'vision-team', license: 'Apache-2.0',
    });
    expect(src.reads).toBe(1);
  });

  it('fetches structures beyond the head with small reads', async () => {
    // A 1 MiB weight buffer comes before the metadata buffers in this layout, pushing them past the head.
    const bytes = tflite({ bigBuffer: 1024 * 1024 });
    const src = bufferRange(bytes);
    const info = await readTflite(src);
    expect(info.metadata).toMatchObject({ buffers: 4, minRuntimeVersion: '1.14.0' });
    expect(src.bytesRead).toBeLessThan(64 * 1024 + 5 * 16 * 1024);
    console.log(`tflite: file ${bytes.length} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('rejects what is not TFLite and never throws past readFormat', async () => {
    expect((await readFormat('m.tflite', bufferRange(enc('TFL2xxxxxxxxxxxx'))))?.warnings[0]).toMatch(/TFL3/);
    const valid = tflite();
    for (const cut of cutPoints(valid.length)) {
      const info = await readFormat('m.tflite', bufferRange(valid.subarray(0, cut)));
      expect(info?.format).toBe('tflite');
    }
    const hostile = valid.slice();
    new DataView(hostile.buffer).setUint32(0, 0x7ffffff0, true); // root table offset out of the file
    expect((await readFormat('m.tflite', bufferRange(hostile)))?.warnings[0]).toMatch(/outside the file/);
  });
});

function coreml(modelBytes = 100): Uint8Array {
  const feature = (name: string) => new Pb().string(1, name).string(2, `${name} feature`);
  const meta = new Pb().string(1, 'Predicts churn').string(2, '1.2.0').string(3, 'growth team').string(4, 'internal')
    .message(100, new Pb().string(1, 'com.apple.coreml.model.preview.type').string(2, 'classifier'));
  const description = new Pb().message(1, feature('tenure')).message(1, feature('spend')).message(10, feature('churned')).string(11, 'churned').message(100, meta);
  return new Pb().varint(1, 5).message(2, description).varint(10, 0).bytes(402, new Uint8Array(modelBytes)).toBytes();
}

describe('readCoreml', () => {
  it('reads the spec version, description metadata and the model type', async () => {
    const info = await readCoreml(bufferRange(coreml()));
    expect(info.metadata).toEqual({
      specificationVersion: 5, inputs: ['tenure', 'spend'], outputs: ['churned'], predictedFeatureName: 'churned',
      shortDescription: 'Predicts churn', versionString: '1.2.0', author: 'growth team', license: 'internal',
      userDefined: { 'com.apple.coreml.model.preview.type': 'classifier' }, isUpdatable: false, modelType: 'treeEnsembleClassifier', modelBytes: 100,
    });
  });

  it('does not read the model body of a large file', async () => {
    const big = 500 * 1024 * 1024;
    const small = coreml(0);
    const prefix = concat(small.subarray(0, small.length - 3), Uint8Array.from([0x92, 0x19, ...varint(big)]));
    const src = sparseRange(prefix, prefix.length + big);
    const info = await readCoreml(src);
    expect(info.metadata).toMatchObject({ modelType: 'treeEnsembleClassifier', modelBytes: big, author: 'growth team' });
    expect(src.bytesRead).toBeLessThanOrEqual(64 * 1024);
    console.log(`coreml: file ${src.size} B, read ${src.bytesRead} B in ${src.reads} read`);
  });

  it('rejects what is not Core ML', async () => {
    expect((await readFormat('m.mlmodel', bufferRange(enc('hello world'))))?.warnings.length).toBeGreaterThan(0);
    expect((await readFormat('m.mlmodel', bufferRange(new Uint8Array(0))))?.warnings.length).toBeGreaterThan(0);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out.push(v);
      return out;
    }
    out.push((v % 128) | 0x80);
  }
}

/** SavedModel {1: 1, 2: MetaGraphDef {1 meta_info_def, 2 graph_def (graphBytes of zeros), 5 signature_def}}. */
function savedModel(graphBytes: number): { bytes: Uint8Array; sigBytes: number } {
  const info = new Pb().string(1, 'meta-graph-1').message(2, new Pb().string(1, 'OpList')).string(4, 'serve').string(5, '2.16.1').string(6, 'v2.16.0-rc0-18-g5bc9d26649c');
  const infoField = new Pb().message(1, info).toBytes();
  const sigField = new Pb().message(5, new Pb().string(1, 'serving_default').message(2, new Pb().string(3, 'tensorflow/serving/predict'))).toBytes();
  const graphHeader = Uint8Array.from([0x12, ...varint(graphBytes)]);
  const metaLen = infoField.length + graphHeader.length + graphBytes + sigField.length;
  const bytes = concat(Uint8Array.of(0x08, 0x01, 0x12, ...varint(metaLen)), infoField, graphHeader, new Uint8Array(graphBytes), sigField);
  return { bytes, sigBytes: sigField.length };
}

describe('readSavedModel', () => {
  it('reads tags, TF version and signatures, jumping over the graph', async () => {
    const { bytes, sigBytes } = savedModel(50 * 1024 * 1024);
    const size = bytes.length;
    const src = sparseRange(bytes.subarray(0, 1024), size, bytes.subarray(size - sigBytes));
    const info = await readSavedModel(src);
    expect(info.metadata).toEqual({
      schemaVersion: 1, metaGraphs: 1, tags: ['serve'], tensorflowVersion: '2.16.1', tensorflowGitVersion: 'v2.16.0-rc0-18-g5bc9d26649c', signatures: ['serving_default'],
    });
    expect(src.bytesRead).toBeLessThan(64 * 1024 + 8192);
    console.log(`savedmodel: file ${size} B, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('never throws past readFormat for truncated files and is only registered for saved_model.pb', async () => {
    const { bytes: head } = savedModel(1000);
    for (const cut of cutPoints(head.length)) {
      const info = await readFormat('x/saved_model.pb', bufferRange(head.subarray(0, cut)));
      expect(info?.format).toBe('tf-savedmodel');
    }
    expect(await readFormat('frozen_graph.pb', bufferRange(head))).toBeNull();
  });
});
