// An in-memory FileSource with the optional write members, for unit tests of export and annotations:
// what the FileSource contract promises (CONFLICT without overwrite, atomic rename-with-replace,
// NOT_FOUND), plus switches to make it read-only, fail in the middle of a read, or slow it down.
import { EngineError } from '../errors';
import { checkRelativePath, type FileEntry, type FileSource, type SourceCounters } from '../nas/file-source';

export interface MemorySourceOptions {
  readOnly?: boolean;
  /** Leave out writeFile/rename/remove/mkdir (a source kind that cannot write). */
  noWriteSupport?: boolean;
  /** Offer stream() (as the SMB source does), reading into the caller's buffers when it gives them. */
  stream?: boolean;
  label?: string;
}

export interface MemorySource extends FileSource {
  files: Map<string, { data: Uint8Array; mtimeMs: number }>;
  dirs: Set<string>;
  /** Throws `error` from read() once this many bytes have been returned in total. */
  failReadsAfter(bytes: number, error?: Error): void;
  /** Called before every read (e.g. to abort an export at a chosen point, or to wait). */
  beforeRead: ((path: string, offset: number, length: number) => Promise<void> | void) | null;
}

export function memorySource(initial: Record<string, Uint8Array | string> = {}, opts: MemorySourceOptions = {}): MemorySource {
  const files = new Map<string, { data: Uint8Array; mtimeMs: number }>();
  const dirs = new Set<string>(['']);
  const counters: SourceCounters = { requests: 0, roundTrips: 0, bytesRead: 0 };
  let clock = Date.UTC(2026, 0, 1);
  let failAfter = Number.POSITIVE_INFINITY;
  let failError: Error = new EngineError('UNREACHABLE', 'The connection to the NAS was lost.');

  const norm = (p: string) => {
    try {
      return checkRelativePath(p);
    } catch (e) {
      throw new EngineError('INVALID_INPUT', (e as Error).message);
    }
  };
  const parent = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
  const addDirs = (p: string) => {
    for (let d = parent(p); ; d = parent(d)) {
      dirs.add(d);
      if (d === '') break;
    }
  };
  const put = (p: string, data: Uint8Array) => {
    clock += 1000;
    files.set(p, { data, mtimeMs: clock });
    addDirs(p);
  };
  for (const [p, v] of Object.entries(initial)) put(norm(p), typeof v === 'string' ? new TextEncoder().encode(v) : v);

  const denyWrite = () => {
    if (opts.readOnly) throw new EngineError('ACCESS_DENIED', 'The share is read-only.');
  };
  const count = () => {
    counters.requests++;
    counters.roundTrips++;
  };

  const source: MemorySource = {
    kind: 'smb',
    label: opts.label ?? 'smb://memory/share',
    files,
    dirs,
    beforeRead: null,
    failReadsAfter(bytes, error) {
      failAfter = bytes;
      if (error) failError = error;
    },
    async list(dir) {
      count();
      const d = norm(dir);
      if (!dirs.has(d)) throw new EngineError('NOT_FOUND', `${d} does not exist.`);
      const out: FileEntry[] = [];
      const prefix = d === '' ? '' : `${d}/`;
      for (const sub of dirs) {
        if (sub !== d && sub.startsWith(prefix) && !sub.slice(prefix.length).includes('/')) {
          out.push({ name: sub.slice(prefix.length), isDir: true, size: 0, mtimeMs: clock });
        }
      }
      for (const [p, f] of files) {
        if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) {
          out.push({ name: p.slice(prefix.length), isDir: false, size: f.data.length, mtimeMs: f.mtimeMs });
        }
      }
      return out;
    },
    async stat(p) {
      count();
      const n = norm(p);
      const f = files.get(n);
      const name = n.slice(n.lastIndexOf('/') + 1);
      if (f) return { name, isDir: false, size: f.data.length, mtimeMs: f.mtimeMs };
      if (dirs.has(n)) return { name, isDir: true, size: 0, mtimeMs: clock };
      throw new EngineError('NOT_FOUND', `${n} does not exist.`);
    },
    async read(p, offset, length) {
      count();
      const n = norm(p);
      if (source.beforeRead) await source.beforeRead(n, offset, length);
      const f = files.get(n);
      if (!f) throw new EngineError('NOT_FOUND', `${n} does not exist.`);
      const out = f.data.slice(offset, offset + length);
      if (counters.bytesRead + out.length > failAfter) throw failError;
      counters.bytesRead += out.length;
      return out;
    },
    counters: () => ({ ...counters }),
    async close() {},
    readOnly: opts.readOnly ?? false,
  };
  if (opts.stream) {
    source.stream = async function* (p, offset, end, o = {}) {
      const n = norm(p);
      const chunk = Math.max(1, o.chunkBytes ?? 1024 * 1024);
      for (let at = offset; at < end; ) {
        const f = files.get(n);
        if (!f) throw new EngineError('NOT_FOUND', `${n} does not exist.`);
        const len = Math.min(chunk, end - at, f.data.length - at);
        if (len <= 0) return; // shorter than asked: the caller notices
        if (source.beforeRead) await source.beforeRead(n, at, len);
        count();
        if (counters.bytesRead + len > failAfter) throw failError;
        // A Buffer when the caller gives none, as the SMB stream yields (its slice() is a view).
        const buf = o.buffer ? o.buffer(len).subarray(0, len) : Buffer.allocUnsafe(len);
        buf.set(f.data.subarray(at, at + len));
        counters.bytesRead += len;
        at += len;
        yield buf;
      }
    };
  }
  if (!opts.noWriteSupport) {
    Object.assign(source, {
      async writeFile(p: string, data: Uint8Array, o: { overwrite: boolean }) {
        count();
        denyWrite();
        const n = norm(p);
        if (!dirs.has(parent(n))) throw new EngineError('NOT_FOUND', `${parent(n)} does not exist.`);
        if (files.has(n) && !o.overwrite) throw new EngineError('CONFLICT', `${n} already exists.`);
        put(n, data.slice());
      },
      async rename(from: string, to: string, o: { replace: boolean }) {
        count();
        denyWrite();
        const [a, b] = [norm(from), norm(to)];
        const f = files.get(a);
        if (!f) throw new EngineError('NOT_FOUND', `${a} does not exist.`);
        if (files.has(b) && !o.replace) throw new EngineError('CONFLICT', `${b} already exists.`);
        files.delete(a);
        files.set(b, f);
        addDirs(b);
      },
      async remove(p: string) {
        count();
        denyWrite();
        if (!files.delete(norm(p))) throw new EngineError('NOT_FOUND', `${p} does not exist.`);
      },
      async mkdir(p: string) {
        count();
        denyWrite();
        const n = norm(p);
        if (files.has(n)) throw new EngineError('CONFLICT', `${n} is a file.`);
        dirs.add(n);
        addDirs(n);
      },
    } satisfies Pick<FileSource, 'writeFile' | 'rename' | 'remove' | 'mkdir'>);
  }
  return source;
}
