// Copies a planned bundle from a FileSource to a folder on this computer (or into one .zip), hashing
// every byte on the way, then re-reads what was written and compares before anything gets its
// final name. The rules that keep an export honest:
//  - Nothing looks finished before it is: the bundle is built in "<name>.modelshelf-partial", each
//    file in it as "<file>.partial" until its last byte is written, synced, read back from disk and
//    found equal to the bytes that were hashed (see copyOne); the folder is renamed to its final
//    name only after every file was verified and MANIFEST.sha256 written.
//  - An interrupted export resumes: a journal in the partial folder records finished files (with
//    their hash and the source's size and time) and, every 64 MiB, a checkpoint (offset and hash) of
//    the file being copied. A rerun re-reads and re-hashes the bytes before the checkpoint, keeps
//    what still matches and continues; anything else is copied again. A zip is simply restarted.
//  - Nothing is written outside the chosen folder: names are sanitised (safe-path.ts), folders are
//    created segment by segment and never through a link, files are opened without following links.
//  - No surprises: free space is checked before the first byte, and an existing bundle is replaced
//    only when the caller said so.
import { createHash } from 'node:crypto';
import { constants, type WriteStream } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readFile, realpath, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { ExportProgress, ExportResult } from '../../../shared/contract';
import { EngineError } from '../errors';
import type { RangeSource } from '../formats/range-source';
import { readZipDirectory, readZipEntry, zipEntryDataOffset } from '../formats/zip';
import type { FileSource } from '../nas/file-source';
import { requireSpace } from './disk';
import {
  destinationError,
  ensureDirInside,
  exists,
  filesUnder,
  fsyncPath,
  hashLocalFile,
  openForWrite,
  fileKeyFor,
  removeAllBut,
  takeLock,
  writeFileAtomic,
} from './local-fs';
import { ChunkPool } from './chunk-pool';
import { BackgroundFlusher } from './flusher';
import { type Sha256Stream, sha256Stream } from './hasher';
import { type BundlePlan, MANIFEST_NAME, type PlannedCopy } from './plan';
import { CHUNK_BYTES, cancelled, READS_IN_FLIGHT, readAhead } from './read-ahead';
import { WriteQueue } from './write-queue';

export const PARTIAL_SUFFIX = '.modelshelf-partial';
const JOURNAL = '.modelshelf-export.json';
export const CHECKPOINT_BYTES = 64 * 1024 * 1024;
const PROGRESS_EVERY_MS = 150;
/** Files from this size are hashed in worker threads (smaller ones: starting a thread costs more). */
export const WORKER_BYTES = 32 * 1024 * 1024;
/** Pool buffers beyond the reads in flight: chunks being written, hashed and read back. */
const POOL_SPARE = 6;
/** Zip export: bytes handed to an entry's hashing worker that it may not have hashed yet. */
const HASH_BACKLOG = 64 * 1024 * 1024;

export interface ExportJob {
  exportId: string;
  versionId: number;
  source: FileSource;
  plan: BundlePlan;
  /** Content of the generated files named in plan.generated (all but the manifest). */
  generated: ReadonlyMap<string, Uint8Array>;
  /** Absolute folder chosen by the user. */
  destination: string;
  zip: boolean;
  overwrite: boolean;
  /** Same key = same source, version and layout: a partial bundle with this key may be resumed. */
  resumeKey: string;
  signal: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** For tests: pretend free space. */
  freeSpace?: (dir: string) => Promise<number>;
  fileConcurrency?: number;
  chunkBytes?: number;
  inFlight?: number;
  /** For tests: zip64 records even for small archives. */
  forceZip64?: boolean;
  /** Bytes between resume checkpoints (default CHECKPOINT_BYTES). */
  checkpointBytes?: number;
  /** Bytes written between background fdatasyncs of a file being copied (default FLUSH_BYTES). */
  flushBytes?: number;
  /** Files from this size are hashed in worker threads (default WORKER_BYTES; tests use 0). */
  workerBytes?: number;
  /** For tests: called when a chunk of a copy was written, before it is read back from `file`. */
  beforeReadBack?: (dest: string, file: string, position: number) => void | Promise<void>;
}

interface Journal {
  v: 1;
  key: string;
  done: Record<string, { src: string; size: number; mtimeMs: number; sha256: string }>;
  started: Record<string, { src: string; size: number; mtimeMs: number; checkpoint?: { offset: number; sha256: string } }>;
}

class Tracker {
  private readonly started = Date.now();
  private last = 0;
  private copied = 0;
  phase: ExportProgress['phase'] = 'preparing';
  bytesDone = 0;
  filesDone = 0;
  currentFile = '';
  constructor(
    private readonly job: ExportJob,
    public bytesTotal: number,
    public filesTotal: number,
  ) {}

  add(bytes: number, copiedNow: boolean): void {
    this.bytesDone += bytes;
    if (copiedNow) this.copied += bytes;
    this.emit();
  }

  emit(force = false): void {
    const now = Date.now();
    if (!this.job.onProgress || (!force && now - this.last < PROGRESS_EVERY_MS)) return;
    this.last = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = Math.round(this.copied / seconds);
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    this.job.onProgress({
      exportId: this.job.exportId,
      versionId: this.job.versionId,
      phase: this.phase,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      currentFile: this.currentFile,
      rate,
      etaSeconds: rate > 0 ? Math.ceil(left / rate) : left === 0 ? 0 : null,
    });
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of bytes [from, to) of an open local file (a worker thread from `workerFrom` bytes). */
async function hashFdRange(fd: number, from: number, to: number, workerFrom: number): Promise<string> {
  const h = sha256Stream(to - from, workerFrom);
  try {
    await h.updateFromFile(fd, from, to);
    return await h.digest();
  } finally {
    await h.close();
  }
}

/** sha256 of a local file (a worker thread from `workerFrom` bytes); null if it cannot be read. */
async function hashLocalFileWith(file: string, workerFrom: number): Promise<string | null> {
  const fh = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(() => null);
  if (!fh) return null;
  try {
    const { size } = await fh.stat();
    return await hashFdRange(fh.fd, 0, size, workerFrom);
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw cancelled();
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== null) throw (failure as { err: unknown }).err;
}

/** `<manifest>`: one "sha256  path" line per file, sorted by path (sha256sum -c reads it). */
export function manifestText(hashes: ReadonlyMap<string, string>): string {
  const paths = [...hashes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return paths.map((p) => `${hashes.get(p)}  ${p}\n`).join('');
}

/** Parses MANIFEST.sha256 back into path → sha256. */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m) out.set(m[2] as string, m[1] as string);
  }
  return out;
}

/** Checks a finished bundle folder against its MANIFEST.sha256: the files that differ, are missing, or are not listed. */
export async function verifyBundle(dir: string): Promise<{ files: number; problems: string[] }> {
  const manifest = parseManifest(await readFile(path.join(dir, MANIFEST_NAME), 'utf8'));
  const problems: string[] = [];
  for (const [rel, want] of manifest) {
    const got = await hashLocalFile(path.join(dir, ...rel.split('/'))).catch(() => null);
    if (got !== want) problems.push(got === null ? `${rel}: missing` : `${rel}: sha256 differs`);
  }
  const key = await fileKeyFor(dir);
  const listed = new Set([...manifest.keys(), MANIFEST_NAME].map(key));
  for (const rel of await filesUnder(dir)) if (!listed.has(key(rel))) problems.push(`${rel}: not in the manifest`);
  return { files: manifest.size, problems };
}

/** Where the bundle goes; checks the destination and what is already there. */
async function resolveTarget(job: ExportJob): Promise<{ finalPath: string; parent: string }> {
  if (!path.isAbsolute(job.destination)) {
    throw new EngineError('INVALID_INPUT', `Choose a complete folder path to export to (got "${job.destination}").`);
  }
  await mkdir(job.destination, { recursive: true }).catch((err) => {
    throw destinationError(err, job.destination);
  });
  const root = await realpath(job.destination);
  if (!(await lstat(root)).isDirectory()) throw new EngineError('INVALID_INPUT', `${job.destination} is a file, not a folder.`);
  const segments = job.plan.target.split('/');
  const parentRel = job.zip ? '' : segments.slice(0, -1).join('/');
  const parent = parentRel ? await ensureDirInside(root, parentRel) : root;
  const last = segments[segments.length - 1] as string;
  const finalPath = path.join(parent, job.zip ? `${last}.zip` : last);
  return { finalPath, parent };
}

function conflict(finalPath: string, parent: string): EngineError {
  return new EngineError(
    'CONFLICT',
    `${path.basename(finalPath)} already exists in ${parent}. Choose another folder, or allow overwriting it.`,
    { replaceable: true },
  );
}

/** Moves the finished temp into place; with overwrite, the old one goes only once the new one is there. */
async function swapIntoPlace(temp: string, finalPath: string, overwrite: boolean, parent: string): Promise<void> {
  if (await exists(finalPath)) {
    if (!overwrite) throw conflict(finalPath, parent);
    const old = `${finalPath}.modelshelf-old-${process.pid}-${Date.now()}`;
    await rename(finalPath, old);
    try {
      await rename(temp, finalPath);
    } catch (err) {
      await rename(old, finalPath).catch(() => {});
      throw destinationError(err, finalPath);
    }
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(temp, finalPath).catch((err) => {
      throw destinationError(err, finalPath);
    });
  }
  await fsyncPath(parent);
}

function withResumeHint(err: unknown, staging: string | null): unknown {
  if (!(err instanceof EngineError) || err.code === 'CANCELLED' || err.code === 'CONFLICT' || staging === null) return err;
  return new EngineError(err.code, `${err.message} The copied part is kept in ${staging}; export again to continue.`, { cause: err });
}

export async function runExport(job: ExportJob): Promise<ExportResult> {
  const startedAt = Date.now();
  checkAborted(job.signal);
  const { finalPath, parent } = await resolveTarget(job);
  if (!job.overwrite && (await exists(finalPath))) throw conflict(finalPath, parent);
  // The lock lives in this computer's temp folder, not in the destination: a killed export leaves
  // nothing there but its partial bundle.
  const release = await takeLock(path.join(os.tmpdir(), `modelshelf-export-${sha256(new TextEncoder().encode(finalPath)).slice(0, 20)}.lock`), path.basename(finalPath));
  try {
    const result = job.zip ? await exportZip(job, finalPath, parent) : await exportFolder(job, finalPath, parent);
    return { ...result, exportId: job.exportId, path: finalPath, durationMs: Date.now() - startedAt };
  } finally {
    await release();
  }
}

type Written = Omit<ExportResult, 'exportId' | 'path' | 'durationMs'>;

async function exportFolder(job: ExportJob, finalPath: string, parent: string): Promise<Written> {
  const { plan, signal } = job;
  const staging = `${finalPath}${PARTIAL_SUFFIX}`;
  const journalPath = path.join(staging, JOURNAL);
  const generatedBytes = [...job.generated.values()].reduce((s, d) => s + d.length, 0);
  const tracker = new Tracker(job, plan.copies.reduce((s, c) => s + c.size, 0) + generatedBytes, plan.copies.length + plan.generated.length);
  tracker.emit(true);

  // ---- resume or start over ----
  let journal: Journal = { v: 1, key: job.resumeKey, done: {}, started: {} };
  let stale = false;
  if (await exists(staging)) {
    const st = await lstat(staging);
    const old = st.isDirectory() && !st.isSymbolicLink() ? await readFile(journalPath, 'utf8').then((t) => JSON.parse(t) as Journal).catch(() => null) : null;
    if (old && old.v === 1 && old.key === job.resumeKey) journal = { ...old, done: old.done ?? {}, started: old.started ?? {} };
    else stale = true;
  }
  // Free space, before anything is written: what is still to copy (files a resumed export already
  // finished are there; a stale partial bundle is about to be deleted, which this ignores).
  const resumable = plan.copies.filter((c) => journal.done[c.dest]?.src === c.src).reduce((s, c) => s + c.size, 0);
  await requireSpace(parent, tracker.bytesTotal - resumable + 64 * 1024, job.freeSpace);
  if (stale) await rm(staging, { recursive: true, force: true });
  await ensureDirInside(parent, path.basename(staging));
  let lastSave = 0;
  // One save at a time, each writing the journal as it is when its turn comes: several files (and
  // their background checkpoints) save it, and an older state must never land after a newer one.
  let saving: Promise<void> = Promise.resolve();
  const saveJournal = (force: boolean): Promise<void> => {
    if (!force && Date.now() - lastSave < 500) return Promise.resolve();
    lastSave = Date.now();
    const p = saving.then(() => writeFileAtomic(journalPath, new TextEncoder().encode(JSON.stringify(journal))));
    saving = p.catch(() => {});
    return p;
  };
  await saveJournal(true);

  const hashes = new Map<string, string>();
  /** Copied files already read back from disk and checked (copyOne does it once a file is synced). */
  const readBack = new Set<string>();
  let resumedBytes = 0;
  tracker.phase = 'copying';
  tracker.emit(true);
  // The first file that fails stops the others (they would otherwise finish copying first).
  const stop = new AbortController();
  const forward = () => stop.abort();
  signal.addEventListener('abort', forward, { once: true });
  try {
    await pool(plan.copies, job.fileConcurrency ?? 3, async (c) => {
      checkAborted(stop.signal);
      try {
        const r = await copyOne(job, stop.signal, c, staging, journal, saveJournal, tracker);
        hashes.set(c.dest, r.sha256);
        if (r.verified) readBack.add(c.dest);
        resumedBytes += r.resumed;
      } catch (err) {
        stop.abort();
        throw err;
      }
    });
    checkAborted(signal);
    for (const name of plan.generated) {
      if (name === MANIFEST_NAME) continue;
      checkAborted(signal);
      const data = job.generated.get(name);
      if (!data) throw new EngineError('INTERNAL', `The content of ${name} was not prepared.`);
      await writeFileAtomic(path.join(staging, name), data);
      hashes.set(name, sha256(data));
      tracker.filesDone++;
      tracker.add(data.length, true);
    }
    await saveJournal(true);

    // ---- verify: read back everything that was written (copies were read back as they finished) ----
    tracker.phase = 'verifying';
    tracker.bytesDone = 0;
    tracker.filesDone = 0;
    tracker.emit(true);
    const sizes = new Map(plan.copies.map((c) => [c.dest, c.size]));
    for (const [rel, want] of hashes) {
      checkAborted(signal);
      tracker.currentFile = rel;
      if (readBack.has(rel)) {
        tracker.filesDone++;
        tracker.add(sizes.get(rel) ?? 0, false);
        continue;
      }
      const abs = path.join(staging, ...rel.split('/'));
      const got = await hashLocalFileWith(abs, job.workerBytes ?? WORKER_BYTES);
      if (got !== want) {
        await rm(abs, { force: true });
        delete journal.done[rel];
        await saveJournal(true);
        throw new EngineError(
          'IO',
          `The copy of ${rel} on this computer does not match what was read from the share (the disk may be failing). It was removed.`,
        );
      }
      tracker.filesDone++;
      tracker.add(sizes.get(rel) ?? job.generated.get(rel)?.length ?? 0, false);
    }

    // ---- manifest, then the final name ----
    tracker.phase = 'finishing';
    tracker.emit(true);
    const manifest = new TextEncoder().encode(manifestText(hashes));
    await writeFileAtomic(path.join(staging, MANIFEST_NAME), manifest);
    await saving;
    // Everything the manifest does not list goes, the journal with it.
    await removeAllBut(staging, new Set([...hashes.keys(), MANIFEST_NAME]));
    await fsyncPath(staging);
    checkAborted(signal);
    await swapIntoPlace(staging, finalPath, job.overwrite, parent);
    tracker.filesDone = tracker.filesTotal;
    tracker.emit(true);
    const bytes = plan.copies.reduce((s, c) => s + c.size, 0) + generatedBytes + manifest.length;
    return { files: hashes.size + 1, bytes, sha256Manifest: sha256(manifest), resumedBytes };
  } catch (err) {
    await saveJournal(true).catch(() => {});
    throw withResumeHint(err, staging);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

/**
 * Copies one file into the staging folder (resuming it if it can), reads it back from disk and
 * compares; returns its sha256. For a large file the source reads into a small pool of recycled
 * buffers (several large reads in flight); each chunk is hashed in a worker thread and written in
 * the background at the same time; once written, a second worker reads the chunk's place in the
 * file back (its own handle, its own buffer) and compares it byte for byte with the chunk that was
 * hashed — so what is on disk is exactly what the manifest's sha256 was computed over, without
 * hashing the file twice — and only then is the buffer reused. Every `checkpointBytes` the hash so
 * far is journaled in the background, the data is fdatasynced in the background as it is written,
 * and one fsync at the end (of what is left) comes before the file gets its name. A
 * resumed file's kept part is re-read and re-hashed against its checkpoint.
 */
async function copyOne(
  job: ExportJob,
  signal: AbortSignal,
  c: PlannedCopy,
  staging: string,
  journal: Journal,
  saveJournal: (force: boolean) => Promise<void>,
  tracker: Tracker,
): Promise<{ sha256: string; resumed: number; verified: boolean }> {
  const { source } = job;
  const abs = path.join(staging, ...c.dest.split('/'));
  const dir = c.dest.includes('/') ? c.dest.slice(0, c.dest.lastIndexOf('/')) : '';
  if (dir) await ensureDirInside(staging, dir);
  tracker.currentFile = c.dest;
  const st = await source.stat(c.src);
  if (st.isDir) throw new EngineError('IO', `${c.src} is a folder now; rescan the source and export again.`);
  if (st.size !== c.size) tracker.bytesTotal += st.size - c.size;

  const done = journal.done[c.dest];
  if (done && done.src === c.src && done.size === st.size && done.mtimeMs === st.mtimeMs) {
    const have = await lstat(abs).catch(() => null);
    if (have?.isFile() && have.size === st.size) {
      tracker.filesDone++;
      tracker.add(st.size, false);
      return { sha256: done.sha256, resumed: st.size, verified: false };
    }
  }
  delete journal.done[c.dest];

  const partial = `${abs}.partial`;
  const chunkBytes = job.chunkBytes ?? CHUNK_BYTES;
  const inFlight = job.inFlight ?? READS_IN_FLIGHT;
  const workerFrom = job.workerBytes ?? WORKER_BYTES;
  const pool = st.size >= workerFrom && source.stream ? new ChunkPool(chunkBytes, inFlight + POOL_SPARE) : null;
  const copyHash = sha256Stream(st.size, workerFrom, pool);
  const readBack = sha256Stream(st.size, workerFrom, pool);
  let fh: FileHandle | null = null;
  let rd: FileHandle | null = null;
  let writer: WriteQueue | null = null;
  let checkpointing: Promise<void> | null = null;
  /** Each chunk until it was hashed and read back (oldest first). */
  const outstanding: Array<Promise<unknown>> = [];
  /** Puts the copy on disk as it is written; settled before the handle closes (its number must not be reused under it). */
  let flusher: BackgroundFlusher | null = null;
  try {
    let offset = 0;
    const prior = journal.started[c.dest];
    if (prior?.checkpoint && prior.src === c.src && prior.size === st.size && prior.mtimeMs === st.mtimeMs) {
      const have = await lstat(partial).catch(() => null);
      if (have?.isFile() && !have.isSymbolicLink() && have.size >= prior.checkpoint.offset) {
        // Trust the bytes up to the last checkpoint only if they still hash the same (re-read from disk).
        const pre = await open(partial, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
        const same = await copyHash
          .updateFromFile(pre.fd, 0, prior.checkpoint.offset)
          .then(() => copyHash.mark())
          .then(
            (hex) => hex === prior.checkpoint?.sha256,
            () => false,
          )
          .finally(() => pre.close());
        if (same) offset = prior.checkpoint.offset;
        else await copyHash.reset();
      }
    }
    journal.started[c.dest] = { src: c.src, size: st.size, mtimeMs: st.mtimeMs, ...(offset > 0 && prior?.checkpoint ? { checkpoint: prior.checkpoint } : {}) };
    if (offset > 0) tracker.add(offset, false);

    fh = await openForWrite(partial, offset > 0);
    await fh.truncate(offset);
    rd = await open(partial, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch((err) => {
      throw destinationError(err, partial);
    });
    const out = fh;
    const back = rd;
    const w = new WriteQueue(out, partial);
    writer = w;
    let hashError: unknown = null;
    let checkpointError: unknown = null;
    let readBackError: unknown = null;
    /** Set once the partial file is being dropped (see dropPartial). */
    let diskFailed = false;

    const checkpoint = async (at: number) => {
      // Ordered after every chunk before `at`: the hash and the writes of exactly [0, at).
      const hex = copyHash.mark();
      const flushed = w.settled();
      const sha = await hex;
      await flushed;
      w.check();
      // The bytes before a checkpoint are re-read and re-hashed before a resume trusts them, so the
      // checkpoint does not wait for them to reach the disk (the background flusher puts them
      // there). A checkpoint survives a killed process or a lost NAS; after a power cut the
      // resume's re-hash finds the bytes that did not reach the disk and starts over.
      if (diskFailed) return; // the partial file is being dropped: no checkpoint may point into it
      journal.started[c.dest] = { src: c.src, size: st.size, mtimeMs: st.mtimeMs, checkpoint: { offset: at, sha256: sha } };
      await saveJournal(true);
    };

    let pos = offset;
    let lastCheckpoint = offset;
    // The disk works during the copy, not after it (see flusher.ts).
    const flush = new BackgroundFlusher(out, partial, job.flushBytes, offset);
    flusher = flush;
    /**
     * The disk refused to keep what was written (a failed fdatasync or fsync): the checkpoints
     * cover bytes that may exist only in the page cache, where a resume's re-hash would find them
     * intact. The partial file and its checkpoint go, so the next export starts this file over.
     */
    const dropPartial = async (err: unknown): Promise<never> => {
      diskFailed = true;
      if (checkpointing) await checkpointing;
      // Without its checkpoint the file is not trusted anyway (Windows may refuse to delete it while open).
      await rm(partial, { force: true }).catch(() => {});
      delete journal.started[c.dest];
      await saveJournal(true);
      throw err;
    };
    let outstandingBytes = 0;
    const interval = job.checkpointBytes ?? CHECKPOINT_BYTES;
    // Without a pool: at most this much read but not yet hashed and read back.
    const unpooledLimit = chunkBytes * (inFlight + POOL_SPARE);
    const chunks = readAhead({
      source,
      path: c.src,
      offset,
      size: st.size,
      signal,
      chunkBytes,
      inFlight,
      ...(pool ? { buffer: (n: number) => pool.take(n) } : {}),
    });
    for await (const data of chunks) {
      w.check();
      if (hashError) throw hashError;
      if (checkpointError) throw checkpointError;
      if (flush.error) await dropPartial(flush.error);
      if (readBackError) break;
      const at = pos;
      pos += data.length;
      const hashed = copyHash.update(data);
      hashed.catch((err: unknown) => {
        hashError ??= err;
      });
      // Read back once written (writes complete in order, so the read-backs queue in order too).
      const checked = w.write(data, at).then(async () => {
        if (w.error || readBackError) return;
        flush.wrote(offset + w.writtenBytes);
        await job.beforeReadBack?.(c.dest, partial, at);
        await readBack.compareWithFile(back.fd, at, data);
      });
      checked.catch((err: unknown) => {
        readBackError ??= err;
      });
      const done = Promise.allSettled([hashed, checked]).then(() => {
        outstandingBytes -= data.length;
        pool?.give(data);
      });
      outstanding.push(done);
      outstandingBytes += data.length;
      tracker.add(data.length, true);
      if (checkpointing === null && pos - lastCheckpoint >= interval && pos < st.size) {
        lastCheckpoint = pos;
        checkpointing = checkpoint(pos)
          .catch((err: unknown) => {
            checkpointError ??= err;
          })
          .finally(() => {
            checkpointing = null;
          });
      }
      // Room for the next chunk before asking for it: memory stays bounded.
      if (pool) await pool.room(1);
      else while (outstandingBytes > unpooledLimit && outstanding.length > 0) await outstanding.shift();
    }
    await Promise.all(outstanding);
    outstanding.length = 0;
    w.check();
    if (hashError) throw hashError;
    if (checkpointing) await checkpointing;
    if (checkpointError) throw checkpointError;
    const digest = await copyHash.digest();
    const after = await source.stat(c.src);
    if (after.size !== st.size || after.mtimeMs !== st.mtimeMs) {
      await rm(partial, { force: true });
      delete journal.started[c.dest];
      throw new EngineError('IO', `${c.src} changed on the share while it was being copied. Export again when nobody is writing to it.`);
    }
    await flush.settled();
    if (flush.error) await dropPartial(flush.error);
    if (!readBackError) await out.sync().catch((err: unknown) => dropPartial(destinationError(err, partial)));
    await out.close();
    fh = null;
    const size = (await back.stat()).size;
    if (readBackError || size !== st.size) {
      await rm(partial, { force: true });
      delete journal.started[c.dest];
      await saveJournal(true);
      throw new EngineError(
        'IO',
        `The copy of ${c.dest} on this computer does not match what was read from the share (the disk may be failing). It was removed.`,
      );
    }
    await rename(partial, abs).catch((err) => {
      throw destinationError(err, abs);
    });
    delete journal.started[c.dest];
    journal.done[c.dest] = { src: c.src, size: st.size, mtimeMs: st.mtimeMs, sha256: digest };
    tracker.filesDone++;
    tracker.emit();
    await saveJournal(false);
    return { sha256: digest, resumed: offset, verified: true };
  } finally {
    if (writer) await writer.settled();
    await flusher?.settled();
    if (checkpointing) await checkpointing;
    await Promise.all(outstanding);
    // The workers stop before any handle closes: a file number must not be reused under them.
    await Promise.all([copyHash.close(), readBack.close()]);
    await fh?.close().catch(() => {});
    await rd?.close().catch(() => {});
  }
}

// ---- zip ----

function localRange(fh: FileHandle, size: number): RangeSource {
  return {
    size,
    async read(offset, length) {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    },
  };
}

async function exportZip(job: ExportJob, finalPath: string, parent: string): Promise<Written> {
  const { plan, source, signal } = job;
  const temp = `${finalPath}${PARTIAL_SUFFIX}`;
  const prefix = `${plan.target}/`;
  const generatedBytes = [...job.generated.values()].reduce((s, d) => s + d.length, 0);
  const dataBytes = plan.copies.reduce((s, c) => s + c.size, 0);
  const tracker = new Tracker(job, dataBytes + generatedBytes, plan.copies.length + plan.generated.length);
  tracker.emit(true);
  // A zip is not resumed: a leftover partial zip is replaced.
  await rm(temp, { force: true });
  const overhead = 64 * 1024 + (plan.copies.length + plan.generated.length) * (2 * (prefix.length + 255) + 200);
  await requireSpace(parent, dataBytes + generatedBytes + overhead, job.freeSpace);

  const hashes = new Map<string, string>();
  const workerFrom = job.workerBytes ?? WORKER_BYTES;
  /** Hashers of the entries being copied (closed at the end, whatever happens). */
  const hashers = new Set<Sha256Stream>();
  const zip = new ZipFile();
  let fh: FileHandle | null = null;
  let stream: WriteStream | null = null;
  let onAbort: (() => void) | null = null;
  try {
    fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644).catch((err) => {
      throw destinationError(err, temp);
    });
    // The stream owns the handle from here: it syncs and closes it after the last byte (a close
    // waits for a background flush still running on it).
    const out = fh.createWriteStream({ autoClose: true, flush: true });
    const flush = new BackgroundFlusher(fh, temp, job.flushBytes);
    fh = null;
    stream = out;
    tracker.phase = 'copying';
    tracker.emit(true);
    const written = new Promise<void>((resolve, reject) => {
      out.once('close', () => (out.errored ? undefined : resolve()));
      out.once('error', (err) => reject(destinationError(err, temp)));
      zip.once('error', reject);
      onAbort = () => reject(cancelled());
      signal.addEventListener('abort', onAbort, { once: true });
      const fail = (err: unknown) => reject(err);
      for (const c of plan.copies) {
        zip.addReadStreamLazy(
          prefix + c.dest,
          { compress: false, forceZip64Format: job.forceZip64 === true, ...(c.mtimeMs ? { mtime: new Date(c.mtimeMs) } : {}) },
          (cb) => {
            source.stat(c.src).then(
              (st) => {
                if (st.size !== c.size) tracker.bytesTotal += st.size - c.size;
                tracker.currentFile = c.dest;
                // A large entry is hashed in a worker (a copy of each chunk goes there) while this
                // thread computes yazl's CRC-32 and writes; at most HASH_BACKLOG bytes wait for it.
                const hash = sha256Stream(st.size, workerFrom);
                hashers.add(hash);
                const chunks = async function* () {
                  for await (const data of readAhead({ source, path: c.src, offset: 0, size: st.size, signal, chunkBytes: job.chunkBytes, inFlight: job.inFlight })) {
                    hash.update(data).catch(() => {}); // a failure is reported by digest() below
                    await hash.below(HASH_BACKLOG);
                    tracker.add(data.length, true);
                    yield data;
                    if (flush.error) throw flush.error;
                    flush.wrote(out.bytesWritten);
                  }
                  const after = await source.stat(c.src);
                  if (after.size !== st.size || after.mtimeMs !== st.mtimeMs) {
                    throw new EngineError('IO', `${c.src} changed on the share while it was being copied. Export again when nobody is writing to it.`);
                  }
                  hashes.set(c.dest, await hash.digest());
                  hashers.delete(hash);
                  await hash.close();
                  tracker.filesDone++;
                };
                const stream = Readable.from(chunks(), { objectMode: false });
                stream.once('error', fail);
                cb(null, stream);
              },
              (err) => fail(err),
            );
          },
        );
      }
      for (const name of plan.generated) {
        if (name === MANIFEST_NAME) continue;
        const data = job.generated.get(name);
        if (!data) {
          fail(new EngineError('INTERNAL', `The content of ${name} was not prepared.`));
          return;
        }
        hashes.set(name, sha256(data));
        zip.addBuffer(Buffer.from(data), prefix + name, { compress: true, forceZip64Format: job.forceZip64 === true });
      }
      // Added lazily so it is produced after every file above was read and hashed.
      zip.addReadStreamLazy(prefix + MANIFEST_NAME, { compress: true, forceZip64Format: job.forceZip64 === true }, (cb) => {
        cb(null, Readable.from([Buffer.from(manifestText(hashes))]));
      });
      zip.end({ forceZip64Format: job.forceZip64 === true, comment: '' });
      zip.outputStream.pipe(out);
    });
    await written;
    stream = null;
    await flush.settled();
    if (flush.error) throw flush.error;
    const manifest = new TextEncoder().encode(manifestText(hashes));

    // ---- verify: the archive's directory lists exactly our files, each with the right sha256 ----
    tracker.phase = 'verifying';
    tracker.bytesDone = 0;
    tracker.filesDone = 0;
    tracker.emit(true);
    fh = await open(temp, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const size = (await fh.stat()).size;
    await verifyZip(localRange(fh, size), fh.fd, workerFrom, prefix, new Map([...hashes, [MANIFEST_NAME, sha256(manifest)]]), signal, (n) => {
      tracker.filesDone++;
      tracker.add(n, false);
    });
    await fh.close();
    fh = null;
    tracker.phase = 'finishing';
    tracker.emit(true);
    await swapIntoPlace(temp, finalPath, job.overwrite, parent);
    return { files: hashes.size + 1, bytes: size, sha256Manifest: sha256(manifest), resumedBytes: 0 };
  } catch (err) {
    zip.outputStream.unpipe();
    const open = stream;
    if (open && !open.closed) {
      await new Promise<void>((resolve) => {
        open.once('close', () => resolve());
        open.destroy();
      });
    }
    await fh?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw err;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    await Promise.all([...hashers].map((h) => h.close()));
  }
}

async function verifyZip(
  src: RangeSource,
  fd: number,
  workerFrom: number,
  prefix: string,
  expected: ReadonlyMap<string, string>,
  signal: AbortSignal,
  onEntry: (bytes: number) => void,
): Promise<void> {
  const dir = await readZipDirectory(src, { maxEntries: expected.size + 1 });
  const names = dir.entries.map((e) => e.name);
  const want = [...expected.keys()].map((k) => prefix + k);
  if (dir.truncated || names.length !== want.length || new Set(names).size !== names.length || !want.every((w) => names.includes(w))) {
    throw new EngineError('IO', 'The zip that was written does not list the files it should. It was removed; export again.');
  }
  for (const e of dir.entries) {
    checkAborted(signal);
    let hex: string;
    if (e.method === 0) {
      // Stored (the weights): read from the file and hashed by a worker for a large entry.
      const start = await zipEntryDataOffset(src, e);
      hex = await hashFdRange(fd, start, start + e.size, workerFrom);
    } else {
      hex = sha256(await readZipEntry(src, e, 256 * 1024 * 1024));
    }
    if (hex !== expected.get(e.name.slice(prefix.length))) {
      throw new EngineError('IO', `${e.name} in the zip does not match what was read from the share. The zip was removed; export again.`);
    }
    onEntry(e.size);
  }
}
