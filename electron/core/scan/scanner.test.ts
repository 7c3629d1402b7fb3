import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Catalog } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import type { FileSource } from '../nas/file-source';
import { openLocalSource } from '../nas/local-source';
import { DERIVATION_VERSION, runScan } from './scanner';

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

  it('removes deleted files after a complete walk and keeps item ids stable', async () => {
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

  /** Counts rows inserted, updated or deleted per table from now on (temporary triggers). */
  function countWrites(tables: string[]): () => Record<string, number> {
    const db = catalog.db;
    db.exec('CREATE TEMP TABLE IF NOT EXISTS writes (tbl TEXT NOT NULL)');
    db.exec('DELETE FROM temp.writes');
    for (const t of tables) {
      for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
        db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS count_${t}_${op} AFTER ${op} ON main.${t} BEGIN INSERT INTO temp.writes VALUES ('${t}'); END`);
      }
    }
    return () => {
      const out: Record<string, number> = Object.fromEntries(tables.map((t) => [t, 0]));
      for (const r of db.prepare('SELECT tbl, COUNT(*) AS n FROM temp.writes GROUP BY tbl').all() as Array<{ tbl: string; n: number }>) out[r.tbl] = r.n;
      return out;
    };
  }
  const TABLES = ['entry', 'item', 'version', 'version_file', 'lineage_edge', 'run'];

  it('a rescan with nothing changed writes no entry, item, version or lineage row', async () => {
    await scan();
    const writes = countWrites(TABLES);
    const s = await scan();
    expect(writes()).toEqual({ entry: 0, item: 0, version: 0, version_file: 0, lineage_edge: 0, run: 0 });
    // …and still reports what the source holds.
    expect(s).toMatchObject({ files: 3, models: 1, datasets: 1, filesRead: 0 });
    expect(catalog.listLibrary({ kind: 'model' })[0]).toMatchObject({ name: 'churn', versionCount: 2 });
  });

  it('a rescan after one file changed rewrites that file and its version only', async () => {
    await scan();
    const versionsBefore = catalog.getItem(catalog.listLibrary({ kind: 'model' })[0]?.id ?? 0)?.versions;
    const writes = countWrites(TABLES);
    await put(root, 'churn/v2/model.safetensors', safetensors({ w: { dtype: 'F32', shape: [16, 4] } }), new Date('2026-02-01'));
    await scan();
    const w = writes();
    // The changed row (listing) and its header result; nothing for the other entries.
    expect(w.entry).toBe(2);
    // churn's item (size, time) and v2 (metadata) with its one file; not v1, not the dataset.
    expect(w.item).toBe(1);
    expect(w.version).toBe(1);
    expect(w.version_file).toBe(2); // the old file row out, the new one in
    const versionsAfter = catalog.getItem(catalog.listLibrary({ kind: 'model' })[0]?.id ?? 0)?.versions;
    expect(versionsAfter?.map((v) => v.id)).toEqual(versionsBefore?.map((v) => v.id));
    expect(versionsAfter?.[0]?.metadata).toMatchObject({ parameters: 64 });
  });

  it('file lists with names beyond U+FFFF are recognised as unchanged (SQLite and JS sort them differently)', async () => {
    await put(root, 'churn/v1/\uFF01notes.txt', 'a');
    await put(root, 'churn/v1/\u{1F600}notes.txt', 'b');
    await scan();
    const writes = countWrites(TABLES);
    await put(root, 'churn/v2/model.safetensors', safetensors({ w: { dtype: 'F32', shape: [16, 4] } }), new Date('2026-02-01'));
    await scan();
    // Only v2's file list is rewritten; v1's (with the odd names) is left alone.
    expect(writes().version_file).toBe(2);
  });

  it('a file that appears is added and grouped on the next rescan (no change is missed)', async () => {
    await scan();
    await put(root, 'churn/v3/model.safetensors', safetensors({ w: { dtype: 'F32', shape: [2, 4] } }));
    const s = await scan();
    expect(s.files).toBe(4);
    expect(catalog.listLibrary({ kind: 'model' })[0]).toMatchObject({ versionCount: 3, latestVersion: 'v3' });
  });

  it('derives again after a scan that failed while deriving, even when no file changed since', async () => {
    const original = catalog.replaceItems.bind(catalog);
    catalog.replaceItems = () => {
      throw new Error('disk full');
    };
    await expect(scan()).rejects.toThrow(/disk full/);
    catalog.replaceItems = original;
    expect(catalog.listLibrary({})).toHaveLength(0);
    // The entries were all written by the failed scan: only the "derived data is stale" mark
    // makes this scan group them.
    const s = await scan();
    expect(s.filesRead).toBe(0);
    expect(catalog.listLibrary({ kind: 'model' })[0]).toMatchObject({ name: 'churn', versionCount: 2 });
  });

  it('a folder that became a file loses what was below it; a folder that could not be listed keeps its rows', async () => {
    await put(root, 'extra/a/b.txt', 'x');
    await put(root, 'locked/keep.csv', 'a\n1\n');
    await scan();
    await rm(path.join(root, 'extra'), { recursive: true });
    await put(root, 'extra', 'now a file');
    const flaky: FileSource = {
      ...source,
      list: async (dir) => {
        if (dir === 'locked') throw new (await import('../errors')).EngineError('ACCESS_DENIED', 'not allowed');
        return source.list(dir);
      },
    };
    const s = await runScan({ catalog, source: flaky, sourceId: 1, signal: new AbortController().signal });
    expect(s.skipped.map((k) => k.path)).toContain('locked');
    const paths = catalog.entriesForGrouping(1).map((e) => e.path).sort();
    expect(paths).toContain('extra');
    expect(paths.filter((p) => p.startsWith('extra/'))).toEqual([]);
    expect(paths).toContain('locked/keep.csv');
    expect(catalog.entriesForGrouping(1).find((e) => e.path === 'extra')?.isDir).toBe(false);
  });

  it('groups again when the catalog was derived by other code or schema, not otherwise', async () => {
    await scan();
    const replaceItems = vi.spyOn(catalog, 'replaceItems');
    await scan();
    expect(replaceItems).not.toHaveBeenCalled();
    catalog.setDerivedState(1, 'an older version', 'clean');
    await scan();
    expect(replaceItems).toHaveBeenCalledTimes(1);
    expect(catalog.derivedState(1, DERIVATION_VERSION)).toBe('clean');
  });

  it('reads headers while the walk is still listing other folders', async () => {
    await put(root, 'zzz-slow/later.txt', 'x');
    let readBeforeSlowListing = false;
    let sawRead!: () => void;
    const read = new Promise<void>((resolve) => {
      sawRead = resolve;
    });
    const slow: FileSource = {
      ...source,
      list: async (dir) => {
        // This folder answers only once a header was read (or after 3 s, for a walk that never reads early).
        if (dir === 'zzz-slow') readBeforeSlowListing = await Promise.race([read.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
        return source.list(dir);
      },
      read: async (p, offset, length) => {
        sawRead();
        return source.read(p, offset, length);
      },
    };
    const s = await runScan({ catalog, source: slow, sourceId: 1, signal: new AbortController().signal, listConcurrency: 2 });
    expect(readBeforeSlowListing).toBe(true);
    expect(s.filesRead).toBe(3);
  });

  it('a catalog write that fails mid-walk ends the scan with that error, without an uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      // The disk fills (or another process holds the catalog) while the walk writes its rows.
      const spy = vi.spyOn(catalog, 'upsertEntries').mockImplementation(() => {
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      });
      await expect(runScan({ catalog, source, sourceId: 1, signal: new AbortController().signal })).rejects.toThrow(/disk is full/);
      spy.mockRestore();
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).toEqual([]);
      // Nothing was half-written, and the next scan indexes everything.
      expect(catalog.sourceCounts(1).files).toBe(0);
      const s = await scan();
      expect(s.files).toBeGreaterThan(0);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  });

  it('a header write that fails ends the scan with that error instead of hanging it', async () => {
    const spy = vi.spyOn(catalog, 'setEntryFormats').mockImplementation(() => {
      throw new Error('database is locked');
    });
    const outcome = await Promise.race([
      runScan({ catalog, source, sourceId: 1, signal: new AbortController().signal }).then(
        () => 'finished',
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
      new Promise<string>((r) => setTimeout(() => r('hung'), 5000)),
    ]);
    spy.mockRestore();
    expect(outcome).toMatch(/database is locked/);
  });

  it('listings that answer after a cancel write nothing', async () => {
    const controller = new AbortController();
    const late: FileSource = {
      ...source,
      list: async (dir) => {
        const entries = await source.list(dir);
        if (dir !== '') {
          controller.abort();
          await new Promise((r) => setTimeout(r, 20));
        }
        return entries;
      },
    };
    const spy = vi.spyOn(catalog, 'upsertEntries');
    await expect(runScan({ catalog, source: late, sourceId: 1, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
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
