// A FileSource over one SMB share (optionally a folder inside it), through our own SMB client.
import { EngineError } from '../errors';
import {
  checkRelativePath,
  type FileEntry,
  type FileSource,
  type SourceChange,
  type SourceCounters,
  type StreamReadOptions,
} from './file-source';
import { connectSmb, type SmbClient, type SmbShare } from './smb';
import { Access } from './smb/constants';

export interface SmbSourceOptions {
  host: string;
  port?: number;
  share: string;
  subpath?: string;
  user: string;
  domain?: string;
  password: string;
  timeoutMs?: number;
}

export function smbLabel(o: { host: string; port?: number; share: string; subpath?: string }): string {
  const port = o.port !== undefined && o.port !== 445 ? `:${o.port}` : '';
  const sub = o.subpath ? checkRelativePath(o.subpath) : '';
  return `smb://${o.host}${port}/${o.share}${sub ? `/${sub}` : ''}`;
}

class SmbFileSource implements FileSource {
  readonly kind = 'smb' as const;
  constructor(
    readonly label: string,
    private readonly client: SmbClient,
    private readonly share: SmbShare,
    private readonly root: string,
    readonly readOnly: boolean,
  ) {}

  private full(path: string): string {
    const rel = checkRelativePathOrThrow(path);
    if (this.root === '') return rel;
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  async list(dir: string): Promise<FileEntry[]> {
    return this.share.list(this.full(dir));
  }

  async stat(path: string): Promise<FileEntry> {
    const rel = checkRelativePathOrThrow(path);
    const e = await this.share.stat(this.full(rel));
    // The name is relative to this source: the root of the source is ''.
    return rel === '' ? { ...e, name: '' } : e;
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    return this.share.read(this.full(path), offset, length);
  }

  /** share.stream: one handle, large READs in flight, each landing straight in the caller's buffer. */
  async *stream(path: string, offset: number, end: number, opts: StreamReadOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const full = this.full(path);
    if (end <= offset) return;
    const { signal } = opts;
    for await (const chunk of this.share.stream(full, {
      start: offset,
      end,
      ...(opts.chunkBytes !== undefined ? { chunkSize: opts.chunkBytes } : {}),
      ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
      ...(opts.buffer ? { buffer: opts.buffer } : {}),
    })) {
      if (signal?.aborted) throw new EngineError('CANCELLED', `Reading ${this.label}/${path} was cancelled.`);
      yield chunk;
    }
  }

  async writeFile(path: string, data: Uint8Array, opts: { overwrite: boolean }): Promise<void> {
    await this.share.writeFile(this.full(path), data, opts);
  }

  async rename(from: string, to: string, opts: { replace: boolean }): Promise<void> {
    await this.share.rename(this.full(from), this.full(to), opts);
  }

  async remove(path: string): Promise<void> {
    if (checkRelativePathOrThrow(path) === '') throw new EngineError('INVALID_INPUT', `Refusing to delete the root of ${this.label}.`);
    await this.share.remove(this.full(path));
  }

  async mkdir(path: string): Promise<void> {
    await this.share.mkdir(this.full(path));
  }

  async watch(dir: string, onChange: (change: SourceChange) => void): Promise<() => Promise<void>> {
    const rootPrefix = this.root === '' ? '' : `${this.root}/`;
    return this.share.watch(this.full(dir), (c) => {
      // Share-relative → source-relative (every path reported lies under the watched folder).
      const path = c.path === this.root ? '' : c.path.startsWith(rootPrefix) ? c.path.slice(rootPrefix.length) : c.path;
      onChange({ kind: c.kind, path });
    });
  }

  counters(): SourceCounters {
    return this.client.counters();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function checkRelativePathOrThrow(path: string): string {
  try {
    return checkRelativePath(path);
  } catch (e) {
    throw new EngineError('INVALID_INPUT', (e as Error).message);
  }
}

export async function openSmbSource(opts: SmbSourceOptions): Promise<FileSource> {
  const root = checkRelativePathOrThrow(opts.subpath ?? '');
  const label = smbLabel(opts);
  const client = await connectSmb({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    domain: opts.domain,
    timeoutMs: opts.timeoutMs,
  });
  try {
    const share = await client.tree(opts.share);
    if (root !== '') {
      const st = await share.stat(root);
      if (!st.isDir) throw new EngineError('INVALID_INPUT', `${label} is a file, not a folder.`);
    }
    // Read-only when the share grants no writes, or this user may not add files to the root folder.
    let readOnly = share.readOnly;
    if (!readOnly) {
      const mask = await share.access(root);
      if (mask !== undefined) readOnly = (mask & Access.FILE_WRITE_DATA) === 0;
    }
    return new SmbFileSource(label, client, share, root, readOnly);
  } catch (e) {
    await client.close().catch(() => {});
    throw e;
  }
}
