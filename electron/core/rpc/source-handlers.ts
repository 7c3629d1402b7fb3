import path from 'node:path';
import type { Source } from '../../../shared/contract';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import type { FileSource } from '../nas/file-source';
import { openLocalSource } from '../nas/local-source';
import { type FoundMount, findMountFor, listMountedShares, mountOrigin } from '../nas/discovery/mounted';
import type { MountProbeOptions } from '../nas/discovery/types';
import { parseLocation } from '../nas/location';
import { openSmbTarget, openSourceRow } from '../nas/open-source';
import type { Handlers } from './dispatch';

export interface AddSourceOptions {
  name?: string;
  password?: string;
  /** false: the password is kept for this session only. Default true. */
  remember?: boolean;
  /**
   * Where to look for OS-mounted shares (tests), or the mounts a caller already listed; false: do
   * not look (a folder Modelshelf made itself).
   */
  mounts?: MountProbeOptions | FoundMount[] | false;
}

/**
 * Adds a source after connecting to it once: a wrong password or a typo leaves nothing behind. A
 * local folder that lies on a share the OS mounted remembers the smb:// address it came from.
 */
export async function addSource(ctx: EngineContext, location: string, opts: AddSourceOptions = {}): Promise<Source> {
  const { name, password, remember = true, mounts = {} } = opts;
  const { catalog } = ctx;
  const loc = parseLocation(location);
  if (catalog.findSourceByUrl(loc.url)) {
    throw new EngineError('CONFLICT', `${loc.url} is already in your sources.`);
  }
  const probe: FileSource = loc.kind === 'local' ? await openLocalSource(loc.rootPath) : await openSmbTarget(loc, password ?? null);
  try {
    await probe.list('');
  } catch (err) {
    await probe.close().catch(() => {});
    throw err;
  }
  const mount =
    loc.kind === 'local' && mounts !== false ? findMountFor(Array.isArray(mounts) ? mounts : await listMountedShares(mounts), loc.rootPath) : null;
  const origin = mount ? mountOrigin(mount) : null;
  const row = catalog.insertSource(
    loc.kind === 'local'
      ? {
          kind: 'local',
          name: name ?? (origin ? `${origin.share} on ${origin.host}` : path.basename(loc.rootPath) || loc.rootPath),
          url: loc.url,
          rootPath: loc.rootPath,
          ...origin,
        }
      : {
          kind: 'smb',
          name: name ?? `${loc.share} on ${loc.host}`,
          url: loc.url,
          host: loc.host,
          port: loc.port,
          share: loc.share,
          subpath: loc.subpath,
          username: loc.user,
          domain: loc.domain,
        },
  );
  if (loc.kind === 'smb' && password !== undefined) await storePassword(ctx, row.id, password, remember);
  ctx.sources.adopt(row.id, probe);
  catalog.setSourceStatus(row.id, 'online', { seen: true, lastError: null });
  ctx.emit('sources.changed', { sourceId: row.id });
  return ctx.sources.toSource(catalog.requireSource(row.id));
}

function storePassword(ctx: EngineContext, id: number, password: string, remember: boolean): Promise<void> {
  return remember ? ctx.credentials.set(id, password) : ctx.credentials.keepForSession(id, password);
}

export function sourceHandlers(ctx: EngineContext): Pick<
  Handlers,
  'sources.list' | 'sources.add' | 'sources.remove' | 'sources.setPassword' | 'sources.scan' | 'sources.cancelScan'
> {
  const { catalog } = ctx;
  return {
    'sources.list': async () => Promise.all(catalog.listSourceRows().map((r) => ctx.sources.toSource(r))),
    'sources.add': async ({ location, name, password, remember }) => addSource(ctx, location, { name, password, remember }),
    'sources.remove': async ({ id }) => {
      ctx.sources.requireRow(id);
      // The scan must have ended before the rows go: a listing answering late would otherwise
      // write rows for a source that no longer exists.
      await ctx.scans.stop(id);
      await ctx.sources.drop(id);
      catalog.deleteSource(id);
      await ctx.credentials.delete(id);
      ctx.emit('sources.changed', { sourceId: id });
      ctx.emit('library.changed', { sourceId: id });
      return { removed: true as const };
    },
    'sources.setPassword': async ({ id, password, remember }) => {
      const row = ctx.sources.requireRow(id);
      if (row.kind !== 'smb') throw new EngineError('INVALID_INPUT', `${row.name} is a local folder; it has no password.`);
      await ctx.sources.drop(id);
      const probe = await openSourceRow(row, password);
      await probe.list('');
      ctx.sources.adopt(id, probe);
      await storePassword(ctx, id, password, remember ?? true);
      catalog.setSourceStatus(id, 'online', { seen: true, lastError: null });
      ctx.emit('sources.changed', { sourceId: id });
      return ctx.sources.toSource(catalog.requireSource(id));
    },
    'sources.scan': async ({ id }) => ctx.scans.scan(id),
    'sources.cancelScan': async ({ id }) => ({ cancelled: ctx.scans.cancel(id) }),
  };
}
