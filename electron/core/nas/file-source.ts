// What the scanner and the format readers need from a place that holds files: a local folder or an
// SMB share. Paths are relative to the source root, '/'-separated, '' for the root itself, and never
// contain '..' (implementations must refuse such paths).
import type { RangeSource } from '../formats/range-source';

export interface FileEntry {
  /** File or folder name (one path segment). */
  name: string;
  isDir: boolean;
  /** Size in bytes (0 for folders). */
  size: number;
  /** Last write time, ms since epoch. */
  mtimeMs: number;
  /** True for symlinks / reparse points; the scanner does not follow them (loop safety). */
  isLink?: boolean;
}

export interface SourceCounters {
  /** Protocol requests sent (SMB) or syscalls made (local). */
  requests: number;
  /** Network round trips (SMB; compounded requests count once). For local sources = requests. */
  roundTrips: number;
  /** File content bytes read through read(). */
  bytesRead: number;
}

export interface FileSource {
  readonly kind: 'smb' | 'local';
  /** Human-readable location for messages, e.g. smb://nas/models or /home/ana/models. */
  readonly label: string;
  /** Every entry of a folder, with sizes and times, in as few round trips as possible. */
  list(dir: string): Promise<FileEntry[]>;
  stat(path: string): Promise<FileEntry>;
  /** Up to `length` bytes from `offset` (fewer only at end of file). */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
  counters(): SourceCounters;
  close(): Promise<void>;
}

/** A RangeSource over one file of a FileSource. */
export function fileRange(source: FileSource, path: string, size: number): RangeSource {
  return {
    size,
    read: (offset, length) => source.read(path, offset, Math.max(0, Math.min(length, size - offset))),
  };
}

/** Joins source-relative path segments with '/'. */
export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Refuses anything that could step outside the source root. Returns the normalised path. */
export function checkRelativePath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  for (const part of trimmed.split('/')) {
    if (part === '' || part === '.' || part === '..' || part.includes('\0') || part.includes('\\')) {
      throw new Error(`Refusing unsafe path "${path}"`);
    }
  }
  return trimmed;
}
