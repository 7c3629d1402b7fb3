// The walk of one scan: list every folder (many in flight) and compare each listing with what the
// catalog already holds for that folder. Only new or changed entries are written (batched, one
// transaction per batch); unchanged ones cost no write at all, so a rescan of an unchanged share
// writes nothing. What disappeared is only collected here: the scanner deletes it after the walk
// completed, so a walk that fails half-way (share gone, cancelled) deletes nothing.
import type { ScanSummary } from '../../../shared/contract';
import type { Catalog, EntryRecord, KnownEntry } from '../catalog/catalog';
import { EngineError } from '../errors';
import { type FileEntry, type FileSource, joinPath } from '../nas/file-source';
import { unsafeNameReason } from './ignore';

export interface PendingRead {
  path: string;
  name: string;
  size: number;
}

export interface WalkOptions {
  catalog: Catalog;
  source: FileSource;
  sourceId: number;
  generation: number;
  signal: AbortSignal;
  listConcurrency: number;
  maxDepth: number;
  ignored: (name: string) => boolean;
  isReadable: (path: string, name: string) => boolean;
  /** Called once, before the first entry write of this walk (the scanner marks derived data stale). */
  beforeFirstWrite: () => void;
  /** New or changed readable files, called once their rows are written (their headers can be read now). */
  onPendingReads: (files: PendingRead[]) => void;
  /** True while the header readers are short of work: rows are then written sooner than every BATCH. */
  readersIdle: () => boolean;
  /** After each folder, with the counts so far (for progress). */
  onFolder: (dir: string, sofar: { folders: number; files: number; bytes: number }) => void;
}

export interface WalkResult {
  folders: number;
  files: number;
  bytes: number;
  skipped: ScanSummary['skipped'];
  /** What a complete walk found gone: the path itself (self) and/or everything below it. */
  gone: Array<{ path: string; self: boolean }>;
}

/** Rows per write transaction. */
const BATCH = 2000;
/** Smallest gap between two early writes made only to give idle header readers work. */
const EARLY_FLUSH_MS = 25;

/** Errors that mean the source itself is gone: the walk stops instead of skipping one folder. */
export function isFatal(err: unknown): boolean {
  return err instanceof EngineError && (err.code === 'UNREACHABLE' || err.code === 'AUTH_FAILED' || err.code === 'CANCELLED');
}

function sameEntry(known: KnownEntry, e: FileEntry): boolean {
  return known.isDir === e.isDir && known.size === e.size && known.mtimeMs === Math.trunc(e.mtimeMs);
}

export async function walk(opts: WalkOptions): Promise<WalkResult> {
  const { catalog, source, sourceId, generation, signal } = opts;
  const result: WalkResult = { folders: 0, files: 0, bytes: 0, skipped: [], gone: [] };
  // A source without rows (first scan) has nothing to compare with: no per-folder query.
  const compare = catalog.hasEntries(sourceId);
  let batch: EntryRecord[] = [];
  /** The batch's files whose headers are read (decided once per file, when listed). */
  let readable: PendingRead[] = [];
  let flushScheduled = false;
  let wroteAny = false;
  let lastFlush = 0;

  const flush = () => {
    flushScheduled = false;
    if (batch.length === 0) return;
    const rows = batch;
    const reads = readable;
    batch = [];
    readable = [];
    lastFlush = Date.now();
    if (!wroteAny) {
      wroteAny = true;
      opts.beforeFirstWrite();
    }
    const readPaths = new Set(reads.map((r) => r.path));
    catalog.upsertEntries(sourceId, generation, rows, (path) => readPaths.has(path));
    if (reads.length > 0) opts.onPendingReads(reads);
  };
  // Writes happen after the next listings are on the wire (setImmediate runs after the promise
  // callbacks that send them), so the share keeps working while SQLite does. A failing write (disk
  // full, the catalog locked, the source removed meanwhile) ends the walk as its error: it must not
  // escape as an uncaught exception from the timer, nor pass for one unreadable folder.
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      if (signal.aborted) return; // a cancelled walk writes nothing more
      try {
        flush();
      } catch (err) {
        catalogError ??= err;
      }
    });
  };

  interface Job {
    dir: string;
    depth: number;
    /** The folder already had a row before this walk: its children may have rows too. */
    known: boolean;
  }
  const queue: Job[] = [{ dir: '', depth: 0, known: compare }];
  let active = 0;
  let walkError: unknown = null;
  /** A catalog write that failed: fatal for the walk, whatever the share does. */
  let catalogError: unknown = null;
  const listedDirs = new Set<string>();

  const handleListing = (job: Job, entries: FileEntry[]) => {
    // Listings that answer after a cancel or a failure change nothing (the source may be gone).
    if (signal.aborted || walkError !== null || catalogError !== null) return;
    result.folders++;
    const known = job.known && compare ? catalog.knownChildren(sourceId, job.dir) : null;
    for (const e of entries) {
      const reason = unsafeNameReason(e.name);
      const path = joinPath(job.dir, e.name);
      if (reason) {
        result.skipped.push({ path, reason });
        continue;
      }
      if (opts.ignored(e.name)) continue;
      if (e.isLink) {
        result.skipped.push({ path, reason: 'it is a link; links are not followed so loops cannot trap the scan' });
        continue;
      }
      if (e.isDir && e.fileId !== undefined) {
        if (listedDirs.has(e.fileId)) {
          result.skipped.push({ path, reason: 'it leads back to a folder that is already indexed (a link the NAS follows)' });
          continue;
        }
        listedDirs.add(e.fileId);
      }
      if (e.isDir && job.depth + 1 > opts.maxDepth) {
        result.skipped.push({ path, reason: `it is nested deeper than ${opts.maxDepth} folders` });
        continue;
      }
      const before = known?.get(e.name);
      // Whatever remains in `known` after this loop is gone from the folder.
      if (before) known?.delete(e.name);
      if (e.isDir) queue.push({ dir: path, depth: job.depth + 1, known: before?.isDir === true });
      else {
        result.files++;
        result.bytes += e.size;
      }
      if (before && sameEntry(before, e)) continue;
      // A folder that became a file: what was below it is gone.
      if (before?.isDir && !e.isDir) result.gone.push({ path, self: false });
      batch.push({ path, parent: job.dir, name: e.name, isDir: e.isDir, size: e.size, mtimeMs: e.mtimeMs });
      if (!e.isDir && opts.isReadable(path, e.name)) readable.push({ path, name: e.name, size: e.size });
    }
    if (known) for (const name of known.keys()) result.gone.push({ path: joinPath(job.dir, name), self: true });
    // Full batch, or files whose headers idle readers could be reading already.
    if (batch.length >= BATCH || (readable.length > 0 && opts.readersIdle() && Date.now() - lastFlush >= EARLY_FLUSH_MS)) scheduleFlush();
    opts.onFolder(job.dir, result);
  };

  await new Promise<void>((resolve) => {
    const pump = () => {
      if (walkError !== null || catalogError !== null || signal.aborted) {
        if (active === 0) resolve();
        return;
      }
      while (active < opts.listConcurrency && queue.length > 0) {
        const job = queue.shift() as Job;
        active++;
        source
          .list(job.dir)
          .then(
            (entries) => {
              try {
                handleListing(job, entries);
              } catch (err) {
                catalogError ??= err;
              }
            },
          )
          .catch((err: unknown) => {
            if (isFatal(err) || job.dir === '') walkError = err;
            else {
              // One unreadable folder (permissions, vanished while listing) is reported, not fatal;
              // its rows stay as they were (nothing is deleted for a folder that was not listed).
              result.skipped.push({ path: job.dir, reason: err instanceof Error ? err.message : String(err) });
            }
          })
          .finally(() => {
            active--;
            if (active === 0 && (queue.length === 0 || walkError !== null || catalogError !== null || signal.aborted)) resolve();
            else pump();
          });
      }
      if (active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
  if (signal.aborted) throw new EngineError('CANCELLED', 'Indexing was cancelled.');
  if (catalogError !== null) throw catalogError;
  // What was listed before the share went away is kept (it is true); deletions wait for a full walk.
  flush();
  if (walkError !== null) throw walkError;
  return result;
}
