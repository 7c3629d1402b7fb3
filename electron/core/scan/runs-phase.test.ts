// The runs step keeps every run's lineage when it does not read the run again: a rescan that
// re-derives (because some other file changed) must not drop "trained on" edges of unchanged runs,
// and a run that cannot be read this time keeps its row, metrics and edges.
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import { writeDemoLibrary } from '../demo/generate';
import type { FileSource } from '../nas/file-source';
import { openLocalSource } from '../nas/local-source';
import { runScan } from './scanner';

describe('runs phase lineage across rescans', () => {
  let root: string;
  let catalog: Catalog;
  let source: FileSource;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ms-runs-phase-'));
    await writeDemoLibrary(root);
    catalog = new Catalog(openCatalogDb(':memory:'));
    catalog.insertSource({ kind: 'local', name: 'demo', url: root, rootPath: root });
    source = await openLocalSource(root);
  });

  afterEach(async () => {
    await source.close();
    catalog.close();
    await rm(root, { recursive: true, force: true });
  });

  const scan = (src: FileSource = source) => runScan({ catalog, source: src, sourceId: 1, signal: new AbortController().signal });
  const edges = () =>
    catalog.db.prepare('SELECT from_ref, to_ref, relation, evidence FROM lineage_edge WHERE source_id = 1 ORDER BY from_ref, to_ref, relation').all();
  const runRows = () => catalog.db.prepare('SELECT path, fingerprint FROM run WHERE source_id = 1 ORDER BY path').all();

  /** Some file that is not part of any run, given a new time so the next scan derives again. */
  async function touchUnrelatedFile(): Promise<void> {
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.safetensors'));
    const file = path.join(root, files[0] as string);
    const when = new Date('2026-03-03T03:03:03Z');
    await utimes(file, when, when);
  }

  it('a rescan that re-derives keeps the trained-on edges of runs it did not read again', async () => {
    await scan();
    const before = edges();
    expect(before.filter((e) => (e as { relation: string }).relation === 'trained-on').length).toBeGreaterThan(0);
    await touchUnrelatedFile();
    const s = await scan();
    expect(s.filesRead).toBe(1); // only the touched file; no run was read again
    expect(edges()).toEqual(before);
  });

  it('a run that cannot be read this time keeps its row and its edges', async () => {
    await scan();
    const before = edges();
    const runs = runRows();
    await touchUnrelatedFile();
    // Every run file now fails with a plain read error (not a lost share): the runs cannot be re-read.
    const failing: FileSource = {
      ...source,
      read: async (p, offset, length) => {
        if (/tfevents|metrics|trainer_state|meta\.yaml|\.csv$/.test(p)) throw new Error('permission denied');
        return source.read(p, offset, length);
      },
    };
    // Force the runs to be read again by forgetting their fingerprints.
    catalog.db.prepare("UPDATE run SET fingerprint = 'stale'").run();
    await scan(failing);
    expect(runRows().map((r) => (r as { path: string }).path)).toEqual(runs.map((r) => (r as { path: string }).path));
    expect(edges()).toEqual(before);
  });
});
