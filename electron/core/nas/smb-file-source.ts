// A FileSource over one SMB share (optionally a folder inside it), through our own SMB client.
import { EngineError } from '../errors';
import { checkRelativePath, type FileEntry, type FileSource, type SourceCounters } from './file-source';
import { connectSmb, type SmbClient, type SmbShare } from './smb';

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
    return new SmbFileSource(label, client, share, root);
  } catch (e) {
    await client.close().catch(() => {});
    throw e;
  }
}
