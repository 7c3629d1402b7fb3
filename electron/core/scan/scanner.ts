// One scan of one source: list every folder (many in flight), write what was seen in batched
// transactions, read headers of new or changed files, then group files into models and datasets.
// A scan that does not finish (share gone, cancelled, engine killed) deletes nothing: rows are
// removed only by generation after a complete walk, so a NAS that vanishes mid-scan never empties
// the catalog, and the next scan simply writes over the same rows (no duplicates).
import type { ScanProgress, ScanSummary } from '../../../shared/contract';
import type { Catalog, EntryRecord } from '../catalog/catalog';
import { EngineError } from '../errors';
import { readerFor } from '../formats';
import { type FileSource, joinPath } from '../nas/file-source';
import { groupEntries } from '../registry/group';
import { lineageFromItems } from '../registry/lineage';
import { indexRuns } from './runs-phase';
import { parseSidecar, SIDECAR_CAP, sidecarKind } from '../registry/sidecar-files';
import { makeIgnore, unsafeNameReason } from './ignore';
import { readHeader } from './read-header';

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

const BATCH = 2000;
/**
 * Header budgets. Most formats need one 64 KiB read; GGUF tokenizer arrays and the data.pkl of big
 * PyTorch checkpoints are part of the header and can reach tens of MB, which is still a fraction of
 * the file and is read only when the file is new or changed.
 */
const BIG_HEADER_CAP = 64 * 1024 * 1024;
function byteCapFor(name: string): number | undefined {
  return /\.(gguf|pt|pth|ckpt|bin)$/i.test(name) ? BIG_HEADER_CAP : undefined;
}
const PROGRESS_EVERY_MS = 100;

/** Errors that mean the source itself is gone: the scan stops instead of skipping one folder. */
function isFatal(err: unknown): boolean {
  return err instanceof EngineError && (err.code === 'UNREACHABLE' || err.code === 'AUTH_FAILED' || err.code === 'CANCELLED');
}

function isReadable(path: string, name: string): boolean {
  return sidecarKind(path) !== null || readerFor(name) !== null;
}

async function pool<T>(items: T[], concurrency: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      if (signal.aborted) throw new EngineError('CANCELLED', 'Indexing was cancelled.');
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failure = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== null) throw failure;
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

  try {
    // ---- 1. walk ----
    let batch: EntryRecord[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      catalog.upsertEntries(sourceId, generation, batch, isReadable);
      batch = [];
    };
    const queue: Array<{ dir: string; depth: number }> = [{ dir: '', depth: 0 }];
    let active = 0;
    let walkError: unknown = null;
    const listedDirs = new Set<string>();
    await new Promise<void>((resolve) => {
      const pump = () => {
        if (walkError !== null || signal.aborted) {
          if (active === 0) resolve();
          return;
        }
        while (active < listConcurrency && queue.length > 0) {
          const job = queue.shift() as { dir: string; depth: number };
          active++;
          currentPath = job.dir;
          source
            .list(job.dir)
            .then((entries) => {
              stats.folders++;
              for (const e of entries) {
                const reason = unsafeNameReason(e.name);
                const path = joinPath(job.dir, e.name);
                if (reason) {
                  skipped.push({ path, reason });
                  continue;
                }
                if (ignored(e.name)) continue;
                if (e.isLink) {
                  skipped.push({ path, reason: 'it is a link; links are not followed so loops cannot trap the scan' });
                  continue;
                }
                if (e.isDir && e.fileId !== undefined) {
                  if (listedDirs.has(e.fileId)) {
                    skipped.push({ path, reason: 'it leads back to a folder that is already indexed (a link the NAS follows)' });
                    continue;
                  }
                  listedDirs.add(e.fileId);
                }
                if (e.isDir) {
                  if (job.depth + 1 > maxDepth) {
                    skipped.push({ path, reason: `it is nested deeper than ${maxDepth} folders` });
                    continue;
                  }
                  queue.push({ dir: path, depth: job.depth + 1 });
                } else {
                  stats.files++;
                  stats.bytes += e.size;
                }
                batch.push({ path, parent: job.dir, name: e.name, isDir: e.isDir, size: e.size, mtimeMs: e.mtimeMs });
              }
              if (batch.length >= BATCH) flush();
              progress();
            })
            .catch((err: unknown) => {
              if (isFatal(err) || job.dir === '') walkError = err;
              else {
                // One unreadable folder (permissions, vanished while listing) is reported, not fatal.
                skipped.push({ path: job.dir, reason: err instanceof Error ? err.message : String(err) });
              }
            })
            .finally(() => {
              active--;
              if (active === 0 && (queue.length === 0 || walkError !== null || signal.aborted)) resolve();
              else pump();
            });
        }
        if (active === 0 && queue.length === 0) resolve();
      };
      pump();
    });
    flush();
    checkCancelled();
    if (walkError !== null) throw walkError;

    // The walk completed: anything not seen in this generation is gone from the share.
    catalog.deleteStale(sourceId, generation);

    // ---- 2. headers of new and changed files ----
    phase = 'reading';
    progress(true);
    const pending = catalog.pendingReads(sourceId);
    await pool(pending, readConcurrency, signal, async (f) => {
      currentPath = f.path;
      const before = source.counters().bytesRead;
      try {
        const kind = sidecarKind(f.path);
        if (kind) {
          if (f.size > SIDECAR_CAP) {
            catalog.setEntryFormat(sourceId, f.path, kind, { kind: 'other', metadata: {}, warnings: ['file too large to read'] });
          } else {
            const text = new TextDecoder('utf-8', { fatal: false }).decode(await source.read(f.path, 0, f.size));
            let metadata: Record<string, unknown> = {};
            const warnings: string[] = [];
            try {
              metadata = parseSidecar(kind, text);
            } catch (err) {
              warnings.push(`could not be parsed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
            }
            catalog.setEntryFormat(sourceId, f.path, kind, { kind: 'other', metadata, warnings });
          }
        } else {
          // A failing share is rethrown (the file stays pending and is read again next scan).
          const info = await readHeader(source, f.path, f.name, f.size, { byteCap: byteCapFor(f.name) });
          catalog.setEntryFormat(sourceId, f.path, info?.format ?? null, info ? { kind: info.kind, metadata: info.metadata, warnings: info.warnings } : null);
        }
        stats.filesRead++;
      } catch (err) {
        if (isFatal(err)) throw err;
        const message = err instanceof Error ? err.message : String(err);
        catalog.setEntryFormat(sourceId, f.path, null, { kind: 'other', metadata: {}, warnings: [message] });
        skipped.push({ path: f.path, reason: `its header could not be read: ${message}` });
      } finally {
        stats.bytesRead += source.counters().bytesRead - before;
      }
      progress();
    });
    checkCancelled();

    // ---- 3. models, datasets, versions ----
    phase = 'grouping';
    progress(true);
    const entries = catalog.entriesForGrouping(sourceId);
    const items = groupEntries(entries);
    catalog.replaceItems(sourceId, generation, items);

    // ---- 4. training runs and their metrics (re-read only when one of their files changed) ----
    const runEdges = await indexRuns({ catalog, source, sourceId, generation, signal, entries, readConcurrency, onRun: (path) => {
      currentPath = path;
      progress();
    } });
    checkCancelled();

    // ---- 5. lineage and search ----
    catalog.replaceLineage(sourceId, [...lineageFromItems(items), ...runEdges]);
    catalog.rebuildSearch(sourceId);
    stats.bytesRead = source.counters().bytesRead - bytesBefore;
    catalog.finishScan(scanId, 'done', stats);
    return {
      sourceId,
      generation,
      ...stats,
      models: items.filter((i) => i.kind === 'model').length,
      datasets: items.filter((i) => i.kind === 'dataset').length,
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
  }
}
