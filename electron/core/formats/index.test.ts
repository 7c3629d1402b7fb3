import { describe, expect, it } from 'vitest';
import { readFormat, readerFor } from './index';
import { bufferRange } from './range-source';

describe('format registry', () => {
  it('picks readers by extension', () => {
    for (const n of ['a.safetensors', 'x/model.safetensors.index.json', 'M.GGUF', 'm.onnx', 'w.pt', 'w.pth', 'e.ckpt', 'pytorch_model.bin', 'd.parquet', 'm.pkl', 'm.joblib']) {
      expect(readerFor(n), n).not.toBeNull();
    }
    for (const n of ['config.json', 'README.md', 'x.csv', 'model.onnx.data', 'safetensors']) expect(readerFor(n), n).toBeNull();
  });

  it('returns null for unknown names and never throws for bad input', async () => {
    expect(await readFormat('notes.txt', bufferRange(new Uint8Array(4)))).toBeNull();
    for (const name of ['a.safetensors', 'a.gguf', 'a.onnx', 'a.pt', 'a.parquet', 'a.pkl', 'a.safetensors.index.json']) {
      for (const bytes of [new Uint8Array(0), new Uint8Array(3), new Uint8Array(100).fill(0xff), new Uint8Array(100)]) {
        const info = await readFormat(name, bufferRange(bytes));
        expect(info, name).not.toBeNull();
        expect(info?.warnings.length, `${name} ${bytes.length}`).toBeGreaterThan(0);
      }
    }
  });

  it('turns a failing source into a warning', async () => {
    const src = { size: 1000, read: async () => { throw new Error('network share went away'); } };
    const info = await readFormat('a.gguf', src);
    expect(info).toEqual({ format: 'gguf', kind: 'model', metadata: {}, warnings: ['network share went away'] });
  });
});
