// Opens the FileSource for a catalog source: a local folder, or an SMB share through our own client.
import type { SourceRow } from '../catalog/catalog';
import { EngineError } from '../errors';
import type { FileSource } from './file-source';
import { openLocalSource } from './local-source';
import { openSmbSource } from './smb-file-source';

export interface SmbTarget {
  host: string;
  port: number | null;
  share: string;
  subpath: string;
  user: string | null;
  domain: string | null;
}

export async function openSmbTarget(t: SmbTarget, password: string | null): Promise<FileSource> {
  if (!t.user) {
    // No user name: log in as a guest, which NAS with guest access (Samba "map to guest") allow.
    try {
      return await openSmbSource({ host: t.host, port: t.port ?? undefined, share: t.share, subpath: t.subpath || undefined, user: '', password: '' });
    } catch (err) {
      if (!(err instanceof EngineError) || (err.code !== 'AUTH_FAILED' && err.code !== 'ACCESS_DENIED')) throw err;
      throw new EngineError(
        'AUTH_FAILED',
        `${t.host} does not let guests open ${t.share}. Add your user name to the address, for example smb://yourname@${t.host}${t.port ? `:${t.port}` : ''}/${t.share}.`,
        { cause: err },
      );
    }
  }
  if (password === null) {
    throw new EngineError('AUTH_FAILED', `Modelshelf needs the password for ${t.user} on ${t.host}.`);
  }
  return openSmbSource({
    host: t.host,
    port: t.port ?? undefined,
    share: t.share,
    subpath: t.subpath || undefined,
    user: t.user,
    domain: t.domain ?? undefined,
    password,
  });
}

export async function openSourceRow(row: SourceRow, password: string | null): Promise<FileSource> {
  if (row.kind === 'local') return openLocalSource(row.rootPath ?? row.url);
  return openSmbTarget(
    {
      host: row.host ?? '',
      port: row.port ?? null,
      share: row.share ?? '',
      subpath: row.subpath ?? '',
      user: row.username ?? null,
      domain: row.domain ?? null,
    },
    password,
  );
}
