// A local folder (or a share the OS already mounted) as a FileSource. Reads are positioned reads of
// a file handle; listings use withFileTypes plus one lstat per entry (local syscalls are cheap).
// Writes are atomic: the data goes to a temp file next to the target, which is then renamed (replace)
// or hard-linked (create-new: fails if the target appeared meanwhile) into place.
import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type FSWatcher, type Stats, watch as fsWatch } from 'node:fs';
import { access, link, lstat, mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../errors';
import { checkRelativePath, type FileEntry, type FileSource, joinPath, type SourceChange, type SourceCounters } from './file-source';
import { readsInOrder } from './reads-in-order';

export interface LocalSourceOptions {
  /**
   * How watch() learns about changes: 'native' uses fs.watch (recursive) and falls back to polling
   * where the platform cannot watch recursively; 'poll' always polls (folders on network mounts,
   * whose changes made by other machines never reach fs.watch).
   */
  watch?: 'native' | 'poll';
  /** Polling interval (grows with the time one pass takes). Default 2 s. */
  pollIntervalMs?: number;
}

type Verb = 'read' | 'write' | 'rename' | 'delete' | 'create';

function mapFsError(err: unknown, where: string, verb: Verb = 'read'): EngineError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new EngineError('NOT_FOUND', `${where} does not exist.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new EngineError('ACCESS_DENIED', `Modelshelf is not allowed to ${verb} ${where}.`, { cause: err });
    case 'EROFS':
      return new EngineError('ACCESS_DENIED', `${where} is on a read-only disk.`, { cause: err });
    case 'EEXIST':
      return new EngineError('CONFLICT', `${where} already exists.`, { cause: err });
    case 'ENOTEMPTY':
      return new EngineError('CONFLICT', `${where} is a folder that is not empty.`, { cause: err });
    case 'EISDIR':
      return new EngineError('INVALID_INPUT', `${where} is a folder, not a file.`, { cause: err });
    case 'ENOSPC':
      return new EngineError('IO', 'The disk is full.', { cause: err });
    default:
      return new EngineError('IO', `Could not ${verb} ${where}: ${(err as Error).message}`, { cause: err });
  }
}

function toEntry(name: string, st: Stats): FileEntry {
  return {
    name,
    isDir: st.isDirectory(),
    size: st.isDirectory() ? 0 : st.size,
    mtimeMs: Math.trunc(st.mtimeMs),
    isLink: st.isSymbolicLink(),
  };
}

/** Errors from link() meaning "this file system has no hard links here", not "no". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.modelshelf-tmp`);
}

function isErrno(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === code;
}

export async function openLocalSource(rootPath: string, opts: LocalSourceOptions = {}): Promise<FileSource> {
  const root = path.resolve(rootPath);
  let st: Stats;
  try {
    st = await lstat(root);
  } catch (err) {
    throw mapFsError(err, root);
  }
  if (!st.isDirectory()) throw new EngineError('INVALID_INPUT', `${root} is a file, not a folder.`);
  const readOnly = await access(root, constants.W_OK).then(
    () => false,
    () => true,
  );
  const counters: SourceCounters = { requests: 0, roundTrips: 0, bytesRead: 0 };
  const rel = (p: string) => {
    try {
      return checkRelativePath(p);
    } catch (e) {
      throw new EngineError('INVALID_INPUT', (e as Error).message);
    }
  };
  const abs = (p: string) => path.join(root, ...rel(p).split('/').filter(Boolean));
  const nonRoot = (p: string, what: string) => {
    if (rel(p) === '') throw new EngineError('INVALID_INPUT', `Refusing to ${what} the root of ${root}.`);
    return abs(p);
  };
  const count = (n = 1) => {
    counters.requests += n;
    counters.roundTrips += n;
  };

  return {
    kind: 'local',
    label: root,
    readOnly,
    async list(dir) {
      const full = abs(dir);
      count();
      try {
        const dirents = await readdir(full, { withFileTypes: true });
        const out: FileEntry[] = [];
        for (const d of dirents) {
          counters.requests++;
          try {
            out.push(toEntry(d.name, await lstat(path.join(full, d.name))));
          } catch {
            // Vanished between readdir and lstat: the next scan will see the folder as it is then.
          }
        }
        return out;
      } catch (err) {
        throw mapFsError(err, full);
      }
    },
    async stat(p) {
      count();
      try {
        return toEntry(path.basename(abs(p)), await lstat(abs(p)));
      } catch (err) {
        throw mapFsError(err, abs(p));
      }
    },
    async read(p, offset, length) {
      count();
      let fh: Awaited<ReturnType<typeof open>> | undefined;
      try {
        fh = await open(abs(p), constants.O_RDONLY);
        const buf = Buffer.alloc(Math.max(0, length));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        counters.bytesRead += bytesRead;
        return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
      } catch (err) {
        throw mapFsError(err, abs(p));
      } finally {
        await fh?.close();
      }
    },

    /** One handle, `parallel` positioned reads in flight, each into the caller's buffer when given. */
    async *stream(p, offset, end, opts = {}) {
      if (end <= offset) return;
      const chunk = Math.max(1, opts.chunkBytes ?? 4 * 1024 * 1024);
      const parallel = Math.max(1, opts.parallel ?? 4);
      let fh: Awaited<ReturnType<typeof open>> | undefined;
      try {
        fh = await open(abs(p), constants.O_RDONLY);
        const file = fh;
        yield* readsInOrder({
          start: offset,
          end,
          chunk,
          parallel,
          read: (at, len) => {
            const buf = opts.buffer ? opts.buffer(len).subarray(0, len) : new Uint8Array(len);
            return (async () => {
              count();
              let got = 0;
              while (got < len) {
                const { bytesRead } = await file.read(buf, got, len - got, at + got);
                if (bytesRead === 0) break; // end of file: the caller sees the short total
                got += bytesRead;
              }
              counters.bytesRead += got;
              return buf.subarray(0, got);
            })();
          },
          beforeWait: () => {
            if (opts.signal?.aborted) throw new EngineError('CANCELLED', `Reading ${abs(p)} was cancelled.`);
          },
          accept: (data) => data.length !== 0,
          // Reads still in flight finish before the handle closes.
          settle: true,
        });
      } catch (err) {
        throw err instanceof EngineError ? err : mapFsError(err, abs(p));
      } finally {
        await fh?.close();
      }
    },

    async writeFile(p, data, { overwrite }) {
      const target = nonRoot(p, 'write over');
      const tmp = tempName(target);
      count(3);
      try {
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(data);
          await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (err) {
        await unlink(tmp).catch(() => {});
        throw mapFsError(err, target, 'write');
      }
      try {
        if (overwrite) {
          await rename(tmp, target);
          return;
        }
        try {
          // Atomic create-new: link() fails with EEXIST if the target exists, never replaces it.
          await link(tmp, target);
        } catch (err) {
          if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
          // No hard links here (FAT, some network mounts): check, then rename (a small race remains).
          const exists = await lstat(target).then(
            () => true,
            (e) => (isErrno(e, 'ENOENT') ? false : Promise.reject(e)),
          );
          if (exists) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
          await rename(tmp, target);
        }
      } catch (err) {
        throw mapFsError(err, target, 'write');
      } finally {
        await unlink(tmp).catch(() => {});
      }
    },

    async rename(from, to, { replace }) {
      const src = nonRoot(from, 'rename');
      const dst = nonRoot(to, 'replace');
      count();
      try {
        if (replace) {
          await rename(src, dst);
          return;
        }
        const s = await lstat(src);
        if (s.isFile()) {
          try {
            await link(src, dst); // EEXIST if the target exists: never replaced
            await unlink(src);
            return;
          } catch (err) {
            if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
          }
        }
        const exists = await lstat(dst).then(
          () => true,
          (e) => (isErrno(e, 'ENOENT') ? false : Promise.reject(e)),
        );
        if (exists) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        await rename(src, dst);
      } catch (err) {
        throw mapFsError(err, isErrno(err, 'EEXIST') || isErrno(err, 'ENOTEMPTY') ? dst : src, 'rename');
      }
    },

    async remove(p) {
      const full = nonRoot(p, 'delete');
      count();
      try {
        const s = await lstat(full);
        if (s.isDirectory()) await rmdir(full);
        else await unlink(full);
      } catch (err) {
        throw mapFsError(err, full, 'delete');
      }
    },

    async mkdir(p) {
      const full = abs(p);
      count();
      try {
        await mkdir(full, { recursive: true });
      } catch (err) {
        if (isErrno(err, 'EEXIST') || isErrno(err, 'ENOTDIR')) {
          throw new EngineError('INVALID_INPUT', `${full} (or a folder above it) is a file, not a folder.`, { cause: err });
        }
        throw mapFsError(err, full, 'create');
      }
    },

    async watch(dir, onChange) {
      const base = rel(dir);
      const full = abs(base);
      const s = await lstat(full).catch((err) => Promise.reject(mapFsError(err, full)));
      if (!s.isDirectory()) throw new EngineError('INVALID_INPUT', `${full} is a file, not a folder.`);
      const emit = (c: SourceChange) => {
        try {
          onChange(c);
        } catch {
          // A listener's bug must not stop the watcher.
        }
      };
      const interval = opts.pollIntervalMs ?? 2000;
      if (opts.watch !== 'poll') {
        let poller: Promise<() => Promise<void>> | undefined;
        // On a watcher error (folder deleted, too many watches): report, then keep watching by polling.
        const native = watchNative(full, base, emit, () => {
          native?.close();
          poller ??= watchPolling(full, base, emit, interval);
        });
        if (native) {
          return async () => {
            native.close();
            if (poller) await (await poller)();
          };
        }
      }
      return watchPolling(full, base, emit, interval);
    },

    counters: () => ({ ...counters }),
    async close() {},
  };
}

/** fs.watch(recursive); undefined where the platform cannot watch recursively. */
function watchNative(full: string, base: string, emit: (c: SourceChange) => void, onError: () => void): FSWatcher | undefined {
  let w: FSWatcher;
  try {
    w = fsWatch(full, { recursive: true }, (event, filename) => {
      if (filename === null || filename === undefined) {
        emit({ kind: 'overflow', path: base });
        return;
      }
      const relName = filename.toString().split(path.sep).join('/');
      const p = joinPath(base, relName);
      if (event === 'change') {
        emit({ kind: 'modified', path: p });
        return;
      }
      // 'rename' means appeared or disappeared: look which.
      lstat(path.join(full, filename.toString())).then(
        () => emit({ kind: 'added', path: p }),
        () => emit({ kind: 'removed', path: p }),
      );
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' || code === 'ENOSYS' || code === 'EINVAL') return undefined;
    throw mapFsError(err, full);
  }
  w.on('error', () => {
    emit({ kind: 'overflow', path: base });
    onError();
  });
  return w;
}

type Snapshot = Map<string, string>;

async function snapshot(full: string, out: Snapshot = new Map(), prefix = ''): Promise<Snapshot> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(path.join(full, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const d of dirents) {
    const relName = prefix === '' ? d.name : `${prefix}/${d.name}`;
    try {
      const st = await lstat(path.join(full, relName));
      out.set(relName, st.isDirectory() ? 'd' : `${st.size}:${st.mtimeMs}`);
      if (st.isDirectory()) await snapshot(full, out, relName);
    } catch {
      // vanished meanwhile
    }
  }
  return out;
}

/** Polls the tree under `full` and reports the differences; the interval grows with the tree. */
async function watchPolling(full: string, base: string, emit: (c: SourceChange) => void, intervalMs: number): Promise<() => Promise<void>> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let prev = await snapshot(full);
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass();
    }, ms);
    timer.unref();
  };
  const pass = async () => {
    const t0 = performance.now();
    try {
      const next = await snapshot(full);
      if (stopped) return;
      for (const [k, v] of next) {
        const old = prev.get(k);
        if (old === undefined) emit({ kind: 'added', path: joinPath(base, k) });
        else if (old !== v) emit({ kind: 'modified', path: joinPath(base, k) });
      }
      for (const k of prev.keys()) if (!next.has(k)) emit({ kind: 'removed', path: joinPath(base, k) });
      prev = next;
    } catch {
      emit({ kind: 'overflow', path: base });
    }
    schedule(Math.max(intervalMs, (performance.now() - t0) * 10));
  };
  schedule(intervalMs);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
