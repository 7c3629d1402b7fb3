// "Open in Finder / File Explorer / Files" for a source or a folder in it. A share the OS already
// has mounted opens as that folder; otherwise the OS's own SMB client mounts it (see nas/file-manager).
import path from 'node:path';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { listMountedShares } from '../nas/discovery/mounted';
import type { MountProbeOptions } from '../nas/discovery/types';
import { type FileManagerTarget, fileManagerPlan, type LaunchOptions, type LaunchPlan, launchFileManager } from '../nas/file-manager';
import { smbUrl } from '../nas/location';
import type { Handlers } from './dispatch';

export interface FileManagerHandlerOptions {
  platform?: NodeJS.Platform;
  mounts?: MountProbeOptions;
  /** Runs the plan (tests record it instead of opening windows). */
  launch?: (plan: LaunchPlan, opts: LaunchOptions) => Promise<{ command: string }>;
}

/** A catalog path ("llm/v2") as parts; anything that could leave the source is refused. */
function relativeParts(p: string | undefined): string[] {
  const parts = (p ?? '').split('/').filter((x) => x !== '' && x !== '.');
  if (parts.some((x) => x === '..' || x.includes('\\') || x.includes('\0'))) {
    throw new EngineError('INVALID_INPUT', `"${p}" is not a folder inside this source.`);
  }
  return parts;
}

export function fileManagerHandlers(ctx: EngineContext, opts: FileManagerHandlerOptions = {}): Pick<Handlers, 'sources.openInFileManager'> {
  const platform = opts.platform ?? process.platform;
  const launch = opts.launch ?? launchFileManager;
  const folderPath = (root: string, parts: string[]) => (platform === 'win32' ? path.win32.join(root, ...parts) : path.join(root, ...parts));
  return {
    'sources.openInFileManager': async ({ id, path: inside }) => {
      const row = ctx.sources.requireRow(id);
      const parts = relativeParts(inside);
      let target: FileManagerTarget;
      let shown: string;
      if (row.kind === 'local') {
        target = { kind: 'folder', path: folderPath(row.rootPath ?? row.url, parts) };
        shown = target.path;
      } else {
        const host = (row.host ?? '').toLowerCase();
        const share = row.share ?? '';
        const subpath = [row.subpath ?? '', ...parts].filter((p) => p !== '').join('/');
        // Already mounted by the OS (a mapped drive, /mnt/nas, a gvfs folder): open it there.
        const mounted = (await listMountedShares(opts.mounts ?? {})).find(
          (m) => m.mount.host === host && m.mount.share.toLowerCase() === share.toLowerCase() && !new URL(m.mount.url).pathname.split('/')[2],
        );
        if (mounted) {
          target = { kind: 'folder', path: folderPath(mounted.mount.mountPoint, subpath.split('/').filter((p) => p !== '')) };
          shown = target.path;
        } else {
          target = { kind: 'smb', host, port: row.port ?? null, share, subpath, user: row.username ?? null, domain: row.domain ?? null };
          shown = smbUrl(target);
        }
      }
      const password = row.kind === 'smb' ? await ctx.credentials.get(id) : null;
      const plan = fileManagerPlan(platform, target, password !== null);
      await launch(plan, { password });
      return { app: plan.app, opened: shown };
    },
  };
}
