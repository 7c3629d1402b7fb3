import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Source } from '../../../shared/contract';
import { Catalog } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import { memoryCredentials } from '../credentials';
import type { EngineContext, SourceManager } from '../engine-context';
import { EngineError } from '../errors';
import type { FileSource } from '../nas/file-source';
import { openSourceRow } from '../nas/open-source';
import { createSourceHealth } from '../nas/source-health';
import { checkHost, nasHandlers } from './nas-handlers';
import { addSource } from './source-handlers';

describe('nas handlers', () => {
  let dir: string;
  let catalog: Catalog;
  let ctx: EngineContext;
  let handlers: ReturnType<typeof nasHandlers>;
  const deleted: number[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-nas-handlers-'));
    await mkdir(path.join(dir, 'mnt', 'models', 'llm'), { recursive: true });
    await mkdir(path.join(dir, 'plain'), { recursive: true });
    // The OS has //127.0.0.1/models mounted at <dir>/mnt/models (as /proc/mounts would say).
    const escaped = path.join(dir, 'mnt', 'models').replace(/ /g, '\\040');
    await writeFile(path.join(dir, 'mounts'), `//127.0.0.1/models ${escaped} cifs rw,username=ana,domain=OFFICE,addr=127.0.0.1 0 0\n`);
    catalog = new Catalog(openCatalogDb(':memory:'));
    const open = new Map<number, FileSource>();
    const base: SourceManager = {
      requireRow(id) {
        const r = catalog.getSource(id);
        if (!r) throw new EngineError('NOT_FOUND', `There is no source with id ${id}.`);
        return r;
      },
      async open(row) {
        return open.get(row.id) ?? openSourceRow(row, null);
      },
      adopt: (id, fs) => void open.set(id, fs),
      drop: async (id) => void open.delete(id),
      async toSource(r): Promise<Source> {
        return {
          id: r.id,
          name: r.name,
          kind: r.kind,
          url: r.url,
          status: r.status,
          lastScanAt: r.lastScanAt,
          lastSeenAt: r.lastSeenAt,
          lastError: r.lastError,
          needsPassword: false,
          counts: catalog.sourceCounts(r.id),
        };
      },
    };
    const emit = () => {};
    const health = createSourceHealth({ catalog, sources: base, scans: { isScanning: () => false }, emit, background: false });
    const credentials = memoryCredentials();
    ctx = {
      dataDir: dir,
      host: 'test',
      catalog,
      credentials: { ...credentials, delete: async (id) => void deleted.push(id) },
      emit,
      sources: health.sources,
      scans: { scan: async () => Promise.reject(new Error('no scans here')), cancel: () => false, stop: async () => {}, isScanning: () => false },
    };
    handlers = nasHandlers(ctx, { mounts: { platform: 'linux', procMountsPath: path.join(dir, 'mounts'), gvfsRunRoot: path.join(dir, 'none') } });
  });

  afterEach(async () => {
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a folder of a mounted share as a local source that remembers its smb:// origin', async () => {
    const folder = path.join(dir, 'mnt', 'models', 'llm');
    const source = await handlers['nas.addMounted']({ mountPoint: folder });
    expect(source).toMatchObject({
      kind: 'local',
      url: folder,
      name: 'models on 127.0.0.1',
      origin: 'smb://OFFICE;ana@127.0.0.1/models/llm',
      health: { state: 'online' },
    });
    await expect(handlers['nas.addMounted']({ mountPoint: folder })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(handlers['nas.addMounted']({ mountPoint: path.join(dir, 'plain') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/is not on a mounted network share/),
    });
    await expect(handlers['nas.addMounted']({ mountPoint: 'relative/folder' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('an ordinary "add folder" of a folder on a mounted share remembers the origin too; other folders have none', async () => {
    const mounts = { platform: 'linux' as const, procMountsPath: path.join(dir, 'mounts'), gvfsRunRoot: path.join(dir, 'none') };
    const onShare = await addSource(ctx, path.join(dir, 'mnt', 'models'), { mounts });
    expect(onShare).toMatchObject({ kind: 'local', name: 'models on 127.0.0.1', origin: 'smb://OFFICE;ana@127.0.0.1/models' });
    const plain = await addSource(ctx, path.join(dir, 'plain'), { mounts });
    expect(plain).toMatchObject({ kind: 'local', name: 'plain' });
    expect(plain.origin ?? null).toBeNull();
  });

  it('sources.forget removes the source and deletes its password while the source still exists', async () => {
    const row = catalog.insertSource({ kind: 'smb', name: 'models on nas', url: 'smb://ana@nas.local/models', host: 'nas.local', share: 'models', username: 'ana' });
    let existedAtDelete = false;
    ctx.credentials.delete = async (id) => {
      deleted.push(id);
      existedAtDelete ||= catalog.getSource(id) !== null;
    };
    handlers = nasHandlers(ctx);
    expect(await handlers['sources.forget']({ id: row.id })).toEqual({ removed: true });
    expect(catalog.getSource(row.id)).toBeNull();
    expect(deleted).toContain(row.id);
    expect(existedAtDelete).toBe(true);
    await expect(handlers['sources.forget']({ id: row.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('checkHost accepts names and addresses and refuses anything else before any network use', () => {
    expect(checkHost('NAS.local')).toBe('nas.local');
    expect(checkHost('[fe80::1]')).toBe('fe80::1');
    expect(checkHost('192.168.1.20')).toBe('192.168.1.20');
    for (const bad of ['nas/share', 'a b', '', '-nas', 'nas\\x', 'smb://nas']) expect(() => checkHost(bad)).toThrow(/not a computer name or address/);
  });
});
