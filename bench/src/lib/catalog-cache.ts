// The 1M-entry / 100k-item synthetic catalog is built once and kept in the cache folder, keyed by a
// hash of the code that shapes it (migrations, Catalog and its library queries, the generator): other code → rebuilt.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CatalogSpec, CatalogStats } from '../data/synthetic-catalog';
import { type BenchContext, sourceHash } from './context';
import { runChild } from './proc';
import { round } from './stats';

/** P5: a 1M-file share with 100k models and datasets. */
export const SEARCH_CATALOG: CatalogSpec = { entries: 1_000_000, items: 100_000, datasetShare: 0.2, metricPoints: 0 };
/** P6/P7: 100k models in the library, and one run with a 1M-point loss curve. */
export const UI_CATALOG: CatalogSpec = { entries: 0, items: 100_000, datasetShare: 0, metricPoints: 1_000_000 };

export async function cachedCatalog(ctx: BenchContext, spec: CatalogSpec): Promise<{ dir: string; stats: CatalogStats; built: boolean }> {
  const key = sourceHash(
    [
      'electron/core/catalog/migrations.ts',
      'electron/core/catalog/migrate.ts',
      'electron/core/catalog/natural-key.ts',
      'electron/core/catalog/catalog.ts',
      'electron/core/catalog/library-query.ts',
      'bench/src/data/synthetic-catalog.ts',
    ],
    JSON.stringify(spec),
  );
  const dir = path.join(ctx.cacheDir, `catalog-${key}`);
  const statsFile = path.join(dir, 'bench-stats.json');
  if (existsSync(statsFile)) return { dir, stats: JSON.parse(readFileSync(statsFile, 'utf8')) as CatalogStats, built: false };
  rmSync(dir, { recursive: true, force: true });
  ctx.log(`building a synthetic catalog (${spec.entries} entries, ${spec.items} items, ${spec.metricPoints} metric points) in ${dir} …`);
  const t0 = performance.now();
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  const { result } = await runChild<CatalogStats>('catalog', { dataDir: building, spec });
  cpSync(building, dir, { recursive: true });
  rmSync(building, { recursive: true, force: true });
  writeFileSync(statsFile, JSON.stringify(result));
  ctx.log(`  built in ${round((performance.now() - t0) / 1000, 1)} s: ${JSON.stringify(result.ms)}`);
  return { dir, stats: result, built: true };
}

/** A private copy of the cached catalog (for hosts that write to it, like `serve`). */
export function copyCatalog(ctx: BenchContext, dir: string): string {
  const to = mkdtempSync(path.join(ctx.workDir, 'catalog-'));
  cpSync(dir, to, { recursive: true });
  return to;
}
