import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import type { FileSource } from '../nas/file-source';
import { openLocalSource } from '../nas/local-source';
import { runScan } from './scanner';

function safetensors(tensors: Record<string, { dtype: string; shape: number[] }>): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(offset)]);
}

async function put(root: string, rel: string, data: string | Buffer, mtime = new Date('2026-01-02T03:04:05Z')): Promise<void> {
  const full = path.join(root, rel);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, data);
  await utimes(full, mtime, mtime);
}

describe('runScan over a local folder', () => {
  let root: string;
  let catalog: Catalog;
  let source: FileSource;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ms-scan-'));
    await put(root, 'churn/v1/model.safetensors', safetensors({ w: { dtype: 'F32', shape: [4, 4] } }));
    await put(root, 'churn/v2/model.safetensors', safetensors({ w: { dtype: 'F32', shape: [8, 4] } }));
    await put(root, 'data/sales.csv', 'a,b\n1,2\n');
    await put(root, '.git/HEAD', 'ref: refs/heads/main');
    await put(root, 'notes/~$draft.docx', 'lock');
    catalog = new Catalog(openCatalogDb(':memory:'));
    catalog.insertSource({ name: 't', kind: 'local', url: root, rootPath: root });
    source = await openLocalSource(root);
  });

  afterEach(async () => {
    catalog.close();
    await rm(root, { recursive: true, force: true });
  });

  const scan = () => runScan({ catalog, source, sourceId: 1, signal: new AbortController().signal });

  it('indexes files, skips ignored names, groups version folders and reads headers', async () => {
    const s = await scan();
    expect(s.files).toBe(3);
    expect(s.models).toBe(1);
    expect(s.datasets).toBe(1);
    const [model] = catalog.listLibrary({ kind: 'model' });
    expect(model).toMatchObject({ name: 'churn', versionCount: 2, latestVersion: 'v2', format: 'safetensors', layout: 'version-folders' });
    const detail = catalog.getItem(model?.id ?? 0);
    expect(detail?.versions[0]?.metadata).toMatchObject({ parameters: 32 });
    expect(catalog.entriesForGrouping(1).some((e) => e.path.startsWith('.git'))).toBe(false);
    expect(catalog.entriesForGrouping(1).some((e) => e.name.startsWith('~$'))).toBe(false);
  });

  it('rescans incrementally: unchanged files are not read again, changed ones are', async () => {
    const first = await scan();
    expect(first.filesRead).toBe(3); // two safetensors headers and the CSV (header + row count)
    const second = await scan();
    expect(second.filesRead).toBe(0);
    expect(second.bytesRead).toBe(0);
    await put(root, 'churn/v2/model.safetensors', safetensors({ w: { dtype: 'F32', shape: [16, 4] } }), new Date('2026-02-01'));
    const third = await scan();
    expect(third.filesRead).toBe(1);
    const model = catalog.listLibrary({ kind: 'model' })[0];
    expect(catalog.getItem(model?.id ?? 0)?.versions[0]?.metadata).toMatchObject({ parameters: 64 });
  });

  it('removes deleted files by generation and keeps item ids stable', async () => {
    await scan();
    const id = catalog.listLibrary({ kind: 'model' })[0]?.id;
    await rm(path.join(root, 'churn/v1'), { recursive: true });
    await scan();
    const items = catalog.listLibrary({ kind: 'model' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id, versionCount: 1 });
    expect(catalog.sourceCounts(1).files).toBe(2);
  });

  it('a failed scan deletes nothing and a later scan does not duplicate rows', async () => {
    await scan();
    const before = catalog.sourceCounts(1);
    const broken: FileSource = {
      ...source,
      list: async (dir) => {
        if (dir === 'data') throw Object.assign(new (await import('../errors')).EngineError('UNREACHABLE', 'NAS went away'));
        return source.list(dir);
      },
    };
    await expect(runScan({ catalog, source: broken, sourceId: 1, signal: new AbortController().signal })).rejects.toThrow(/went away/);
    expect(catalog.sourceCounts(1)).toEqual(before);
    await scan();
    expect(catalog.sourceCounts(1)).toEqual(before);
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runScan({ catalog, source, sourceId: 1, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('reports names it refuses and does not follow links', async () => {
    const { symlink } = await import('node:fs/promises');
    await symlink(root, path.join(root, 'loop'));
    await put(root, 'bad\u0001name.txt', 'x');
    const s = await scan();
    expect(s.skipped.map((k) => k.reason).join('\n')).toMatch(/link/);
    expect(s.skipped.map((k) => k.reason).join('\n')).toMatch(/control character/);
  });
});
