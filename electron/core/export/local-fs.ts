// The destination side of an export: folders created one segment at a time and never through a
// link, files opened without following links, atomic small writes, hashing what is on disk, and a
// lock so two exports (app and CLI) never write the same bundle at once.
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../errors';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Every file (and link, not followed) under `dir`, as '/'-separated paths relative to it. */
export async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(rel ? path.join(dir, ...rel.split('/')) : dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else out.push(r);
  }
  return out;
}

/** True when the disk holding `dir` ignores case in names (macOS and Windows defaults). */
export async function ignoresCase(dir: string): Promise<boolean> {
  const name = path.basename(dir);
  const swapped = [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
  if (swapped === name) return false;
  const [a, b] = await Promise.all([lstat(dir), lstat(path.join(path.dirname(dir), swapped)).catch(() => null)]);
  return b !== null && a.ino === b.ino && a.dev === b.dev;
}

/**
 * A relative path as the disk under `dir` would match it: macOS lists names decomposed (NFD)
 * where the share gave them composed, and a case-insensitive disk does not tell case apart.
 * Equal keys = the same file there.
 */
export async function fileKeyFor(dir: string): Promise<(rel: string) => string> {
  const fold = await ignoresCase(dir);
  return (rel) => (fold ? rel.normalize('NFC').toLowerCase() : rel.normalize('NFC'));
}

/**
 * Deletes everything under `dir` but the files in `keep` ('/'-separated relative paths, compared
 * as fileKeyFor says), and the folders left empty: what an interrupted run left behind (a file the
 * share no longer has, a `.partial`, an atomic write's temp file) must not ship in a bundle whose
 * manifest does not list it.
 */
export async function removeAllBut(dir: string, keep: ReadonlySet<string>): Promise<void> {
  const key = await fileKeyFor(dir);
  await removeUnder(dir, new Set([...keep].map(key)), '', key);
}

async function removeUnder(dir: string, keep: ReadonlySet<string>, rel: string, key: (rel: string) => string): Promise<boolean> {
  let kept = false;
  for (const d of await readdir(rel ? path.join(dir, ...rel.split('/')) : dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory() ? await removeUnder(dir, keep, r, key) : keep.has(key(r))) kept = true;
    else await rm(path.join(dir, ...r.split('/')), { recursive: true, force: true });
  }
  return kept;
}

/** Maps a destination-side error to words a person can act on. */
export function destinationError(err: unknown, where: string): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new EngineError('IO', `The disk holding ${where} is full.`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new EngineError('ACCESS_DENIED', `Modelshelf is not allowed to write to ${where}.`, { cause: err });
  }
  if (code === 'ELOOP') return new EngineError('ACCESS_DENIED', `${where} is a link; Modelshelf does not write through links.`, { cause: err });
  return new EngineError('IO', `Could not write ${where}: ${(err as Error).message}`, { cause: err });
}

/**
 * Creates `rel` ('/'-separated, already safe) under `base`, one segment at a time, and refuses any
 * segment that exists as a link or a file: nothing can be redirected outside `base`.
 */
export async function ensureDirInside(base: string, rel: string): Promise<string> {
  let current = base;
  for (const seg of rel.split('/').filter(Boolean)) {
    current = path.join(current, seg);
    await mkdir(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw destinationError(err, current);
    });
    const st = await lstat(current);
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new EngineError('ACCESS_DENIED', `${current} is a link or a file, not a folder; Modelshelf writes only inside the folder you chose.`);
    }
  }
  return current;
}

/** Opens for writing without following a link; `keep` keeps existing bytes (resume). */
export async function openForWrite(p: string, keep: boolean) {
  const flags = constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | (keep ? 0 : constants.O_TRUNC);
  try {
    return await open(p, flags, 0o644);
  } catch (err) {
    throw destinationError(err, p);
  }
}

/** sha256 of a file on this computer (optionally only its first `length` bytes). */
export async function hashLocalFile(p: string, length?: number): Promise<string> {
  const hash = createHash('sha256');
  if (length === 0) return hash.digest('hex');
  const stream = createReadStream(p, { highWaterMark: 1024 * 1024, ...(length !== undefined ? { start: 0, end: length - 1 } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fsyncPath(p: string): Promise<void> {
  // Directories cannot be opened for sync on Windows; the rename is still atomic there.
  const fh = await open(p, 'r').catch(() => null);
  if (!fh) return;
  await fh.sync().catch(() => {});
  await fh.close();
}

/** Writes a small file as temp + fsync + rename: readers see the old or the new content, never half. */
export async function writeFileAtomic(p: string, data: Uint8Array): Promise<void> {
  const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, p);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw destinationError(err, p);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<lockPath>` for this process; a lock left by a process on this computer that is gone is
 * taken over. Returns the release function. CONFLICT when another export holds it.
 */
export async function takeLock(lockPath: string, what: string): Promise<() => Promise<void>> {
  const me = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, me, { flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW });
      return async () => {
        await rm(lockPath, { force: true }).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw destinationError(err, lockPath);
      const holder = await readFile(lockPath, 'utf8')
        .then((t) => JSON.parse(t) as { pid?: number; host?: string })
        .catch(() => null);
      // A lock that cannot be read was cut short by a crash while being written.
      const age = Date.now() - ((await lstat(lockPath).catch(() => null))?.mtimeMs ?? 0);
      const stale =
        holder === null
          ? age > 60_000
          : holder.host === os.hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid);
      if (!stale) throw new EngineError('CONFLICT', `${what} is being exported right now (by another window or command). Wait for it to finish.`);
      await rm(lockPath, { force: true });
    }
  }
  throw new EngineError('CONFLICT', `${what} is being exported right now. Wait for it to finish.`);
}
