// Finding the NAS and what it shares: discovery on the local network, the share list with what this
// account can read, adding a share the OS already mounted, and forgetting a source with its password.
import path from 'node:path';
import type { NasShareInfo, Source } from '../../../shared/contract';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { discoverNas } from '../nas/discovery';
import { findMountFor, listMountedShares } from '../nas/discovery/mounted';
import type { MountProbeOptions } from '../nas/discovery/types';
import { connectSmb, type SmbClient } from '../nas/smb';
import { addSource, sourceHandlers } from './source-handlers';
import type { Handlers } from './dispatch';

const SHARE_CHECKS_IN_FLIGHT = 4;
const MAX_SHARES_CHECKED = 200;
const CONNECT_TIMEOUT_MS = 15_000;

/** A host name, IPv4 or IPv6 address (brackets allowed); anything else is refused before any network use. */
export function checkHost(input: string): string {
  const host = input.trim().replace(/^\[(.*)\]$/, '$1');
  const ok = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,252})$/.test(host) || (/^[0-9A-Fa-f:.]+$/.test(host) && host.includes(':'));
  if (!ok) throw new EngineError('INVALID_INPUT', `"${input}" is not a computer name or address. Type the NAS's name (nas.local) or address (192.168.1.20).`);
  return host.toLowerCase();
}

async function shareReadable(client: SmbClient, name: string): Promise<{ readable: boolean; problem: string | null }> {
  try {
    const tree = await client.tree(name);
    try {
      await tree.list('');
      return { readable: true, problem: null };
    } finally {
      await tree.close().catch(() => {});
    }
  } catch (err) {
    return { readable: false, problem: err instanceof EngineError ? err.message : String(err) };
  }
}

/** Logs in (as a guest when no user is given), lists the shares, and checks each one can be read. */
export async function listNasShares(input: {
  host: string;
  port?: number;
  user?: string;
  domain?: string;
  password?: string;
}): Promise<NasShareInfo[]> {
  const host = checkHost(input.host);
  const guest = !input.user;
  let client: SmbClient;
  try {
    client = await connectSmb({
      host,
      port: input.port,
      user: input.user ?? '',
      password: guest ? '' : (input.password ?? ''),
      domain: input.domain || undefined,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    if (guest && err instanceof EngineError && err.code === 'AUTH_FAILED') {
      throw new EngineError('AUTH_FAILED', `${host} does not let guests in. Type a user name and password for it.`, { cause: err });
    }
    throw err;
  }
  try {
    const shares = (await client.listShares()).slice(0, MAX_SHARES_CHECKED);
    const out: NasShareInfo[] = shares.map((s) => ({ name: s.name, comment: s.comment, readable: false, problem: null }));
    let next = 0;
    const worker = async () => {
      while (next < out.length) {
        const row = out[next++]!;
        Object.assign(row, await shareReadable(client, row.name));
      }
    };
    await Promise.all(Array.from({ length: Math.min(SHARE_CHECKS_IN_FLIGHT, out.length) }, worker));
    return out.sort((a, b) => Number(b.readable) - Number(a.readable) || a.name.localeCompare(b.name));
  } finally {
    await client.close().catch(() => {});
  }
}

/** Adds an OS-mounted share as a local folder source that remembers the smb:// it came from. */
async function addMounted(ctx: EngineContext, mountPoint: string, name: string | undefined, mounts: MountProbeOptions): Promise<Source> {
  if (!path.isAbsolute(mountPoint)) throw new EngineError('INVALID_INPUT', `"${mountPoint}" is not a full folder path.`);
  const folder = path.resolve(mountPoint);
  const found = await listMountedShares(mounts);
  if (!findMountFor(found, folder)) {
    throw new EngineError('INVALID_INPUT', `${folder} is not on a mounted network share. Add it as an ordinary folder instead.`);
  }
  return addSource(ctx, folder, { name, mounts: found });
}

/** `mounts` points the OS-mount probe elsewhere (tests); the engine uses the defaults. */
export function nasHandlers(
  ctx: EngineContext,
  opts: { mounts?: MountProbeOptions } = {},
): Pick<Handlers, 'nas.discover' | 'nas.shares' | 'nas.addMounted' | 'sources.forget'> {
  const remove = sourceHandlers(ctx)['sources.remove'];
  return {
    'nas.discover': async ({ timeoutMs }) => (await discoverNas({ timeoutMs, mounts: opts.mounts })).devices,
    'nas.shares': async (input) => listNasShares(input),
    'nas.addMounted': async ({ mountPoint, name }) => addMounted(ctx, mountPoint, name, opts.mounts ?? {}),
    'sources.forget': async ({ id }) => {
      ctx.sources.requireRow(id);
      // The password goes first, while the source (whose URL names the keychain entry) still exists.
      await ctx.credentials.delete(id);
      return remove({ id });
    },
  };
}
