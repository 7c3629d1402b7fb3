import { describe, expect, it } from 'vitest';
import { writeHdf5 } from '../demo/hdf5-writer';
import { writeStoredZip } from '../demo/zip-writer';
import { sparseRange } from './bytes';
import { readHdf5 } from './hdf5';
import { readFormat } from './index';
import { readKeras } from './keras';
import { bufferRange } from './range-source';
import { cutPoints, enc } from './test-helpers';

const modelConfig = JSON.stringify({
  class_name: 'Sequential',
  config: { name: 'defect_cnn', layers: [{ class_name: 'InputLayer' }, { class_name: 'Conv2D' }, { class_name: 'Dense' }] },
});
const kerasAttrs = { keras_version: '2.15.0', backend: 'tensorflow', model_config: modelConfig, training_config: '{"loss": "mse"}' };

describe('readHdf5', () => {
  it('reads legacy Keras root attributes (fixed-length strings)', async () => {
    const src = bufferRange(writeHdf5(kerasAttrs));
    const info = await readHdf5(src);
    expect(info.warnings).toEqual([]);
    expect(info).toMatchObject({ format: 'hdf5', kind: 'model' });
    expect(info.metadata).toMatchObject({ superblockOffset: 0, superblockVersion: 0, kerasVersion: '2.15.0', backend: 'tensorflow', className: 'Sequential', modelName: 'defect_cnn', layers: 3, hasTrainingConfig: true });
    expect(info.metadata.rootAttributes).toEqual(['keras_version', 'backend', 'model_config', 'training_config']);
    expect(src.reads).toBe(1);
  });

  it('reads variable-length string attributes through the global heap', async () => {
    const info = await readHdf5(bufferRange(writeHdf5(kerasAttrs, { vlen: true })));
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({ kerasVersion: '2.15.0', className: 'Sequential', layers: 3 });
  });

  it('finds the superblock after a user block (512 and 128 KiB) with small reads', async () => {
    const a = await readHdf5(bufferRange(writeHdf5(kerasAttrs, { userBlock: 512 })));
    expect(a.metadata).toMatchObject({ superblockOffset: 512, kerasVersion: '2.15.0' });
    const src = bufferRange(writeHdf5(kerasAttrs, { userBlock: 128 * 1024 }));
    const b = await readHdf5(src);
    expect(b.metadata).toMatchObject({ superblockOffset: 128 * 1024, kerasVersion: '2.15.0' });
    expect(src.bytesRead).toBeLessThan(64 * 1024 + 8 + 64 * 1024 + 64);
  });

  it('detects plain HDF5 data files as "other" and reads only the head of a huge file', async () => {
    const small = writeHdf5({ title: 'sensor readings' });
    const src = sparseRange(small, 2 * 1024 * 1024 * 1024);
    const info = await readHdf5(src);
    expect(info).toMatchObject({ format: 'hdf5', kind: 'other' });
    expect(info.metadata.rootAttributes).toEqual(['title']);
    expect(src.bytesRead).toBe(64 * 1024);
    console.log(`hdf5: file ${src.size} B, read ${src.bytesRead} B in ${src.reads} read`);
  });

  it('never throws past readFormat on truncated or hostile files', async () => {
    const valid = writeHdf5(kerasAttrs);
    for (const cut of cutPoints(valid.length)) {
      const info = await readFormat('m.h5', bufferRange(valid.subarray(0, cut)));
      expect(info?.format, `cut ${cut}`).toBe('hdf5');
      if (cut < 100) expect(info?.warnings.length, `cut ${cut}`).toBeGreaterThan(0);
    }
    const hostile = valid.slice();
    new DataView(hostile.buffer).setUint32(64, 0x7fffffff, true); // root object header far past the end
    expect((await readFormat('m.h5', bufferRange(hostile)))?.warnings.join(' ')).toMatch(/outside the file/);
    const hugeHeader = valid.slice();
    new DataView(hugeHeader.buffer).setUint32(96 + 8, 0xfffffff0, true); // object header size
    expect((await readFormat('m.h5', bufferRange(hugeHeader)))?.warnings.join(' ')).toMatch(/past the end/);
    expect((await readFormat('m.h5', bufferRange(enc('not an hdf5 file at all'))))?.warnings.join(' ')).toMatch(/no HDF5 signature/);
  });
});

describe('readKeras', () => {
  const config = {
    module: 'keras', class_name: 'Sequential',
    config: { name: 'tiny_classifier', layers: [{ class_name: 'InputLayer' }, { class_name: 'Dense' }, { class_name: 'Dense' }] },
    build_config: { input_shape: [null, 8] },
    compile_config: { optimizer: { class_name: 'Adam', config: { name: 'adam' } }, loss: 'sparse_categorical_crossentropy' },
  };
  const archive = (cfg: object = config) =>
    writeStoredZip([
      { name: 'metadata.json', data: enc(JSON.stringify({ keras_version: '3.6.0', date_saved: '2026-07-01@10:00:00' })) },
      { name: 'config.json', data: enc(JSON.stringify(cfg)) },
      { name: 'model.weights.h5', data: writeHdf5({}) },
    ]);

  it('reads metadata.json and config.json; sizes the weights without reading them', async () => {
    const info = await readKeras(bufferRange(archive()));
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({
      kerasVersion: '3.6.0', dateSaved: '2026-07-01@10:00:00', className: 'Sequential', module: 'keras', modelName: 'tiny_classifier',
      layers: 3, layerClasses: { InputLayer: 1, Dense: 2 }, optimizer: 'Adam', loss: 'sparse_categorical_crossentropy', inputShape: [null, 8],
    });
    expect(info.metadata.weightsBytes).toBeGreaterThan(0);
  });

  it('reads a legacy HDF5 .keras as HDF5, and reports broken archives', async () => {
    expect((await readFormat('old.keras', bufferRange(writeHdf5(kerasAttrs))))?.metadata).toMatchObject({ kerasVersion: '2.15.0' });
    const bytes = archive();
    for (const cut of cutPoints(bytes.length)) {
      const info = await readFormat('m.keras', bufferRange(bytes.subarray(0, cut)));
      expect(info?.format).toBe('keras');
    }
    const notJson = writeStoredZip([{ name: 'config.json', data: enc('{not json') }, { name: 'metadata.json', data: enc('[]') }]);
    const info = await readKeras(bufferRange(notJson));
    expect(info.warnings).toEqual([expect.stringMatching(/config\.json could not be read/)]);
    const other = writeStoredZip([{ name: 'hello.txt', data: enc('hi') }]);
    expect((await readFormat('m.keras', bufferRange(other)))?.warnings[0]).toMatch(/not a Keras archive/);
  });
});
