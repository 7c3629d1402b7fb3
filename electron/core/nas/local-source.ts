// A local folder (or a share the OS already mounted) as a FileSource. Reads are positioned reads of
// a file handle; listings use withFileTypes plus one lstat per entry (local syscalls are cheap).
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../errors';
import { checkRelativePath, type FileEntry, type FileSource, type SourceCounters } from './file-source';

function mapFsError(err: unknown, where: string): EngineError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new EngineError('NOT_FOUND', `${where} does not exist.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new EngineError('ACCESS_DENIED', `Modelshelf is not allowed to read ${where}.`, { cause: err });
    case 'ENOSPC':
      return new EngineError('IO', 'The disk is full.', { cause: err });
    default:
      return new EngineError('IO', `Could not read ${where}: ${(err as Error).message}`, { cause: err });
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

export async function openLocalSource(rootPath: string): Promise<FileSource> {
  const root = path.resolve(rootPath);
  let st: Stats;
  try {
    st = await lstat(root);
  } catch (err) {
    throw mapFsError(err, root);
  }
  if (!st.isDirectory()) throw new EngineError('INVALID_INPUT', `${root} is a file, not a folder.`);
  const counters: SourceCounters = { requests: 0, roundTrips: 0, bytesRead: 0 };
  const abs = (p: string) => path.join(root, ...checkRelativePath(p).split('/').filter(Boolean));

  return {
    kind: 'local',
    label: root,
    async list(dir) {
      const full = abs(dir);
      counters.requests++;
      counters.roundTrips++;
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
      counters.requests++;
      counters.roundTrips++;
      try {
        return toEntry(path.basename(abs(p)), await lstat(abs(p)));
      } catch (err) {
        throw mapFsError(err, abs(p));
      }
    },
    async read(p, offset, length) {
      counters.requests++;
      counters.roundTrips++;
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
    counters: () => ({ ...counters }),
    async close() {},
  };
}
