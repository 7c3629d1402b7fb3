// Headers, not files: indexing multi-GB models over SMB reads at most their header + 1 MiB.
// The big files are sparse (a real header, then a hole), so the test costs no disk.
import { copyFile, mkdir, readFile, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../core/catalog/catalog';
import { openCatalogDb } from '../core/catalog/open';
import { writeDemoLibrary } from '../core/demo/generate';
import type { FileSource } from '../core/nas/file-source';
import { openSmbSource } from '../core/nas/smb-file-source';
import { runScan } from '../core/scan/scanner';
import { type SambaServer, startSamba } from './samba';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('bytes read to index big models over SMB', () => {
  let samba: SambaServer;
  const headers: Record<string, number> = {};

  beforeAll(async () => {
    samba = await startSamba({
      shares: [
        {
          name: 'models',
          seed: async (dir) => {
            const demo = path.join(dir, '..', 'demo-src');
            await writeDemoLibrary(demo);
            await mkdir(path.join(dir, 'big'), { recursive: true });
            const st = path.join(dir, 'big', 'llm-5g.safetensors');
            await copyFile(path.join(demo, 'huggingface/sentiment-bert-small/model.safetensors'), st);
            const head = await readFile(st);
            headers.safetensors = 8 + Number(head.readBigUInt64LE(0));
            await truncate(st, 5 * GiB);
            const gg = path.join(dir, 'big', 'llm-5g.gguf');
            await copyFile(path.join(demo, 'gguf/tiny-llama-chat-Q4_K_M.gguf'), gg);
            headers.gguf = (await readFile(gg)).length; // the whole small file is at most its header + data
            await truncate(gg, 5 * GiB);
            const ox = path.join(dir, 'big', 'detector-2g.onnx');
            await copyFile(path.join(demo, 'onnx/shelf-detector/v2/model.onnx'), ox);
            headers.onnx = (await readFile(ox)).length;
            await truncate(ox, 2 * GiB);
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await samba?.stop();
  });

  it('reads at most header + 1 MiB of each', async () => {
    const source = await openSmbSource({ host: '127.0.0.1', port: samba.port, share: 'models', subpath: 'big', user: samba.user, password: samba.password });
    const catalog = new Catalog(openCatalogDb(':memory:'));
    catalog.insertSource({ name: 'big', kind: 'smb', url: 'smb://x/models/big' });
    const perFile = new Map<string, number>();
    const counting: FileSource = {
      kind: source.kind,
      label: source.label,
      list: (d) => source.list(d),
      stat: (p) => source.stat(p),
      counters: () => source.counters(),
      close: () => source.close(),
      async read(p: string, offset: number, length: number) {
        const out = await source.read(p, offset, length);
        perFile.set(p, (perFile.get(p) ?? 0) + out.length);
        return out;
      },
    };
    const summary = await runScan({ catalog, source: counting, sourceId: 1, signal: new AbortController().signal });
    expect(summary.files).toBe(3);
    expect(summary.bytes).toBe(12 * GiB);
    expect(perFile.get('llm-5g.safetensors')).toBeLessThanOrEqual((headers.safetensors as number) + MiB);
    expect(perFile.get('llm-5g.gguf')).toBeLessThanOrEqual((headers.gguf as number) + MiB);
    expect(perFile.get('detector-2g.onnx')).toBeLessThanOrEqual((headers.onnx as number) + MiB);
    const models = catalog.listLibrary({ kind: 'model' });
    expect(models.map((m) => m.format).sort()).toEqual(['gguf', 'onnx', 'safetensors']);
    console.log(`[bytes] ${[...perFile].map(([f, n]) => `${f}: ${n} B`).join(', ')} (headers ${JSON.stringify(headers)})`);
    catalog.close();
    await source.close();
  });
});
