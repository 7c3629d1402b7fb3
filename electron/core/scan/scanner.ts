// One scan of one source: list every folder (many in flight), write only what is new or changed,
// read headers of new or changed files while the walk goes on, then — only when something changed —
// group files into models and datasets, index runs, and rebuild lineage and search.
// A scan that does not finish (share gone, cancelled, engine killed) deletes nothing: rows are
// removed only after a complete walk, so a NAS that vanishes mid-scan never empties the catalog,
// and the next scan simply writes over the same rows (no duplicates).
import type { ScanProgress, ScanSummary } from '../../../shared/contract';
import type { Catalog } from '../catalog/catalog';
import { MIGRATIONS } from '../catalog/migrations';
import { EngineError } from '../errors';
import { readerFor } from '../formats';
import type { FileSource } from '../nas/file-source';
import { groupEntries } from '../registry/group';
import { lineageFromItems } from '../registry/lineage';
import { sidecarKind } from '../registry/sidecar-files';
import { HeaderReads } from './header-reads';
import { makeIgnore } from './ignore';
import { indexRuns } from './runs-phase';
import { type WalkResult, walk } from './walk';

export interface ScanOptions {
  catalog: Catalog;
  source: FileSource;
  sourceId: number;
  signal: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  /** Folders listed at once (SMB: requests in flight). */
  listConcurrency?: number;
  /** Header reads at once. */
  readConcurrency?: number;
  ignore?: readonly string[];
  maxDepth?: number;
}

/**
 * Names the code that derives items, runs, lineage and search from the entries. Bump it when that
 * code changes what it produces: catalogs marked clean by an older version are then derived again
 * on their next scan even if no file changed.
 */
const DERIVATION_CODE = 2;
/**
 * The schema is part of it: a migration (say, a new search table filled by rebuildSearch) makes
 * the next scan derive again even when no file changed.
 */
export const DERIVATION_VERSION = `${DERIVATION_CODE}/schema-${MIGRATIONS.at(-1)?.id ?? 0}`;

const PROGRESS_EVERY_MS = 100;

function isReadable(path: string, name: string): boolean {
  return sidecarKind(path) !== null || readerFor(name) !== null;
}

export async function runScan(opts: ScanOptions): Promise<ScanSummary> {
  const { catalog, source, sourceId, signal } = opts;
  const started = Date.now();
  const ignored = makeIgnore(opts.ignore);
  const maxDepth = opts.maxDepth ?? 100;
  const listConcurrency = opts.listConcurrency ?? (source.kind === 'smb' ? 16 : 8);
  const readConcurrency = opts.readConcurrency ?? 8;
  const { scanId, generation } = catalog.beginScan(sourceId);
  const stats = { folders: 0, files: 0, bytes: 0, filesRead: 0, bytesRead: 0 };
  const skipped: ScanSummary['skipped'] = [];
  const bytesBefore = source.counters().bytesRead;
  let phase: ScanProgress['phase'] = 'listing';
  let currentPath = '';
  let lastProgress = 0;

  const progress = (force = false) => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastProgress < PROGRESS_EVERY_MS)) return;
    lastProgress = now;
    const seconds = Math.max(0.001, (now - started) / 1000);
    opts.onProgress({
      sourceId,
      folders: stats.folders,
      files: stats.files,
      bytes: stats.bytes,
      rate: Math.round(stats.files / seconds),
      currentPath,
      phase,
    });
  };
  const checkCancelled = () => {
    if (signal.aborted) throw new EngineError('CANCELLED', 'Indexing was cancelled.');
  };

  // Stops the walk when a header read finds the source gone (the walk would fail on it anyway).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let dirty = catalog.derivedState(sourceId, DERIVATION_VERSION) === 'dirty';
  const markDirty = () => {
    if (dirty) return;
    dirty = true;
    catalog.setDerivedState(sourceId, DERIVATION_VERSION, 'dirty');
  };

  try {
    // ---- 1. walk (header reads of new and changed files start as soon as their rows exist) ----
    const reads = new HeaderReads({
      catalog,
      source,
      sourceId,
      signal: stop.signal,
      concurrency: readConcurrency,
      skipped,
      onFile: (path) => {
        currentPath = path;
        progress();
      },
      onFatal: () => stop.abort(),
    });
    let walked: WalkResult;
    try {
      walked = await walk({
        catalog,
        source,
        sourceId,
        generation,
        signal: stop.signal,
        listConcurrency,
        maxDepth,
        ignored,
        isReadable,
        beforeFirstWrite: markDirty,
        onPendingReads: (files) => reads.add(files),
        readersIdle: () => reads.idle(),
        onFolder: (dir, sofar) => {
          currentPath = dir;
          stats.folders = sofar.folders;
          stats.files = sofar.files;
          stats.bytes = sofar.bytes;
          progress();
        },
      });
    } catch (err) {
      // A read that found the share gone says more than the walk's "cancelled".
      await reads.drain().catch(() => {});
      throw reads.failure ?? err;
    }
    stats.folders = walked.folders;
    stats.files = walked.files;
    stats.bytes = walked.bytes;
    skipped.push(...walked.skipped);

    // The walk completed: what it found gone is removed now (never after a partial walk).
    if (walked.gone.length > 0) {
      markDirty();
      catalog.deleteEntries(sourceId, walked.gone);
    }

    // ---- 2. the remaining header reads (and files left pending by an earlier, interrupted scan) ----
    phase = 'reading';
    progress(true);
    await reads.drain();
    // Rows left pending by an earlier scan that did not finish (which left the source dirty: a
    // clean source has none, and an unchanged rescan skips the look through every entry row).
    if (dirty) {
      const leftover = catalog.pendingReads(sourceId);
      if (leftover.length > 0) {
        reads.add(leftover);
        await reads.drain();
      }
    }
    stats.filesRead = reads.filesRead;
    checkCancelled();

    // ---- 3.–5. derived data, only when an entry changed or an earlier derivation did not finish ----
    phase = 'grouping';
    progress(true);
    let counts: { models: number; datasets: number };
    if (dirty) counts = await derive();
    else counts = catalog.itemCounts(sourceId);
    stats.bytesRead = source.counters().bytesRead - bytesBefore;
    catalog.finishScan(scanId, 'done', stats);
    return {
      sourceId,
      generation,
      ...stats,
      ...counts,
      durationMs: Date.now() - started,
      skipped: skipped.slice(0, 1000),
    };
  } catch (err) {
    stats.bytesRead = source.counters().bytesRead - bytesBefore;
    const cancelled = err instanceof EngineError && err.code === 'CANCELLED';
    catalog.finishScan(scanId, cancelled ? 'cancelled' : 'failed', {
      ...stats,
      error: err instanceof Error ? err.message : String(err),
    });
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }

  async function derive(): Promise<{ models: number; datasets: number }> {
    const entries = catalog.entriesForGrouping(sourceId);
    // The grouped items are dropped before the runs phase (their version file lists were the
    // biggest thing alive besides the entries on a 1M-file source).
    const { itemEdges, counts } = (() => {
      const items = groupEntries(entries);
      catalog.replaceItems(sourceId, generation, items);
      return {
        itemEdges: lineageFromItems(items),
        counts: { models: items.filter((i) => i.kind === 'model').length, datasets: items.filter((i) => i.kind === 'dataset').length },
      };
    })();
    const runs = await indexRuns({ catalog, source, sourceId, generation, signal, entries, readConcurrency, onRun: (path) => {
      currentPath = path;
      progress();
    } });
    checkCancelled();
    catalog.replaceLineage(sourceId, [...itemEdges, ...runs.edges]);
    catalog.rebuildSearch(sourceId);
    // A run or DVC file that could not be read is retried next scan: stay dirty.
    if (runs.complete) catalog.setDerivedState(sourceId, DERIVATION_VERSION, 'clean');
    return counts;
  }
}
