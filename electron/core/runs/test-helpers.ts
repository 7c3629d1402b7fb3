// Helpers for the run reader tests (not used at runtime): an in-memory share that counts reads.
import type { FileEntry } from '../nas/file-source';
import type { CatalogFile, RunFileReader } from './types';

export type Files = Record<string, string | Uint8Array>;

const bytesOf = (v: string | Uint8Array) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);

export function memoryReader(files: Files): RunFileReader & { bytesRead: number; reads: number; lists: number; maxRead: number } {
  const data = new Map(Object.entries(files).map(([k, v]) => [k, bytesOf(v)]));
  const src = {
    bytesRead: 0,
    reads: 0,
    lists: 0,
    maxRead: 0,
    async list(dir: string): Promise<FileEntry[]> {
      src.lists++;
      const prefix = dir === '' ? '' : `${dir}/`;
      const seen = new Map<string, FileEntry>();
      for (const [p, b] of data) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const i = rest.indexOf('/');
        const name = i < 0 ? rest : rest.slice(0, i);
        if (!seen.has(name)) seen.set(name, { name, isDir: i >= 0, size: i >= 0 ? 0 : b.length, mtimeMs: 0 });
      }
      if (seen.size === 0) throw new Error(`no such folder: ${dir}`);
      return [...seen.values()];
    },
    async read(path: string, offset: number, length: number): Promise<Uint8Array> {
      const b = data.get(path);
      if (!b) throw new Error(`no such file: ${path}`);
      const out = b.subarray(offset, offset + length);
      src.reads++;
      src.bytesRead += out.length;
      src.maxRead = Math.max(src.maxRead, length);
      return out;
    },
  };
  return src;
}

export function catalogOf(files: Files): CatalogFile[] {
  return Object.entries(files).map(([path, v]) => ({ path, isDir: false, size: bytesOf(v).length, mtimeMs: 0 }));
}
