import { describe, expect, it } from 'vitest';
import { readFormat, readerFor } from './index';
import { bufferRange } from './range-source';

describe('format registry', () => {
  it('picks readers by extension', () => {
    for (const n of [
      'a.safetensors', 'x/model.safetensors.index.json', 'M.GGUF', 'm.onnx', 'w.pt', 'w.pth', 'e.ckpt', 'pytorch_model.bin', 'd.parquet', 'm.pkl', 'm.joblib',
      'm.keras', 'm.h5', 'm.HDF5', 'm.tflite', 'm.mlmodel', 'export/1/saved_model.pb', 'd.arrow', 'd.feather', 'x.csv', 'x.tsv',
      'model.txt', 'lgbm_churn.txt', 'instances_train.json', 'xgb.json', 'data.yaml', 'coco8.yml',
    ]) {
      expect(readerFor(n), n).not.toBeNull();
    }
    for (const n of ['config.json', 'tokenizer.json', 'x.safetensors.index.json.bak', 'README.md', 'model.onnx.data', 'safetensors', 'graph.pb', 'notes.txt', 'meta.yaml', 'hparams.yaml', 'MLmodel']) {
      expect(readerFor(n), n).toBeNull();
    }
  });

  it('returns null for unknown names and never throws for bad input', async () => {
    expect(await readFormat('notes.txt', bufferRange(new Uint8Array(4)))).toBeNull();
    for (const name of ['a.safetensors', 'a.gguf', 'a.onnx', 'a.pt', 'a.parquet', 'a.pkl', 'a.safetensors.index.json', 'a.keras', 'a.h5', 'a.tflite', 'a.mlmodel', 'saved_model.pb', 'a.arrow']) {
      for (const bytes of [new Uint8Array(0), new Uint8Array(3), new Uint8Array(100).fill(0xff), new Uint8Array(100)]) {
        const info = await readFormat(name, bufferRange(bytes));
        expect(info, name).not.toBeNull();
        expect(info?.warnings.length, `${name} ${bytes.length}`).toBeGreaterThan(0);
      }
    }
  });

  it('gives no result at all for sniffed names whose content is not ours, and never throws', async () => {
    for (const name of ['model.txt', 'instances_x.json', 'data.yaml']) {
      for (const bytes of [new Uint8Array(0), new Uint8Array(3), new Uint8Array(100).fill(0xff), new TextEncoder().encode('plain text\n')]) {
        expect(await readFormat(name, bufferRange(bytes)), `${name} ${bytes.length}`).toBeNull();
      }
    }
    // CSV takes anything textual: an empty file is a table without rows
    expect((await readFormat('x.csv', bufferRange(new Uint8Array(0))))?.metadata).toMatchObject({ rows: 0, columns: 0 });
  });

  it('turns a failing source into a warning', async () => {
    const src = { size: 1000, read: async () => { throw new Error('network share went away'); } };
    const info = await readFormat('a.gguf', src);
    expect(info).toEqual({ format: 'gguf', kind: 'model', metadata: {}, warnings: ['network share went away'] });
  });
});
