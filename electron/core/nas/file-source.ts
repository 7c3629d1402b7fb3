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
  /**
   * The server's id of the file or folder, when it gives one. A server that follows symlinks itself
   * (Samba's default) shows a linked folder as a plain folder with its target's id: the scanner lists
   * each folder id once, so link loops cannot multiply the tree.
   */
  fileId?: string;
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
  /**
   * Optional bulk read for copies: the bytes of [offset, end) in order, in chunks, with several large
   * reads in flight. Each chunk is read into `buffer(size)` when given (the caller owns that buffer
   * and may recycle it once it is done with the chunk), else into a fresh buffer. The stream may end
   * early if the file is shorter than `end`; callers check the total. Stopping the iteration (break,
   * return) or aborting `signal` ends the reads.
   */
  stream?(path: string, offset: number, end: number, opts?: StreamReadOptions): AsyncIterable<Uint8Array>;
  counters(): SourceCounters;
  close(): Promise<void>;

  // ---- writing (sidecars, annotations). Optional: a source without them is read-only. ----
  /** True when the share or folder refuses writes (read-only share, no permission). */
  readonly readOnly?: boolean;
  /** Creates a file (fails with CONFLICT if it exists, unless overwrite) and writes all of `data`. */
  writeFile?(path: string, data: Uint8Array, opts: { overwrite: boolean }): Promise<void>;
  /** Renames a file; with replace, an existing target is replaced atomically (temp + rename). */
  rename?(from: string, to: string, opts: { replace: boolean }): Promise<void>;
  remove?(path: string): Promise<void>;
  /** Creates a folder and any missing parents; no error if it exists. */
  mkdir?(path: string): Promise<void>;
  /**
   * Calls onChange for changes under `dir` (recursive) until the returned function is called.
   * kind 'overflow' means changes were lost: rescan `path` (a folder).
   */
  watch?(dir: string, onChange: (change: SourceChange) => void): Promise<() => Promise<void>>;
}

export interface StreamReadOptions {
  signal?: AbortSignal;
  /** Bytes per read (the source may use less, e.g. its server's maximum). */
  chunkBytes?: number;
  /** Reads in flight. */
  parallel?: number;
  /** Where each chunk is read: a buffer of at least `size` bytes that nothing else uses meanwhile. */
  buffer?: (size: number) => Uint8Array;
}

export interface SourceChange {
  kind: 'added' | 'removed' | 'modified' | 'renamed' | 'overflow';
  /** Source-relative path of what changed (for overflow: the folder to rescan). */
  path: string;
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
