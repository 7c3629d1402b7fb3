// Shares the operating system already has mounted: often the quickest way to the NAS, because the
// person (or IT) set it up once. Linux: cifs/smb3 lines in /proc/mounts and GNOME's gvfs folders
// under /run/user/<uid>/gvfs; macOS: smbfs lines of `mount`; Windows: mapped drives in `net use`.
// Each one can become a local-folder source that remembers its smb:// origin.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MountedShare } from '../../../../shared/contract';
import { smbUrl } from '../location';
import type { MountProbeOptions } from './types';

export interface FoundMount {
  mount: MountedShare;
  /** Server addresses the OS knows (cifs addr=), for merging with network sightings. */
  addresses: string[];
}

const MAX_MOUNTS = 500;

function make(
  via: MountedShare['via'],
  loc: { host: string; port?: number | null; share: string; subpath?: string; user?: string | null; domain?: string | null },
  mountPoint: string,
): MountedShare | null {
  const host = loc.host.trim().toLowerCase();
  const share = loc.share.trim();
  if (!host || !share || /[\\/]/.test(share)) return null;
  const subpath = (loc.subpath ?? '').split('/').filter((p) => p !== '' && p !== '.' && p !== '..').join('/');
  // A user name is useful (it is who the OS logged in as); a password never reaches this point.
  const user = loc.user && !/^guest$/i.test(loc.user) ? loc.user : null;
  // A Bonjour service name ("team nas._smb._tcp.local", macOS) is not a plain host name: encode it.
  const urlHost = /^[a-z0-9._:-]+$/.test(host) ? host : encodeURIComponent(host);
  const url = smbUrl({ host: urlHost, port: loc.port ?? null, share, subpath, user, domain: user ? (loc.domain ?? null) : null });
  return { url, host, share, mountPoint, via };
}

/** Undoes the octal escapes of /proc/mounts (\040 space, \011 tab, \012 newline, \134 backslash). */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** cifs / smb3 mounts from the text of /proc/mounts (or /proc/self/mountinfo-less systems' /etc/mtab). */
export function parseProcMounts(text: string): FoundMount[] {
  const out: FoundMount[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [rawSource, rawTarget, fsType, options] = fields as [string, string, string, string];
    if (fsType !== 'cifs' && fsType !== 'smb3' && fsType !== 'smbfs') continue;
    const source = unescapeMountField(rawSource).replace(/\\/g, '/');
    const m = /^\/\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(source);
    if (!m) continue;
    const opts = new Map<string, string>();
    for (const o of options.split(',')) {
      const eq = o.indexOf('=');
      if (eq > 0) opts.set(o.slice(0, eq), o.slice(eq + 1));
    }
    const port = opts.has('port') ? Number(opts.get('port')) : null;
    const share = make(
      'cifs',
      {
        host: m[1]!.replace(/^\[|\]$/g, ''),
        port: port && Number.isInteger(port) && port !== 445 ? port : null,
        share: m[2]!,
        subpath: m[3] ?? '',
        user: opts.get('username') ?? opts.get('user') ?? null,
        domain: opts.get('domain') ?? null,
      },
      unescapeMountField(rawTarget),
    );
    if (share) out.push({ mount: share, addresses: opts.get('addr') ? [opts.get('addr')!] : [] });
    if (out.length >= MAX_MOUNTS) break;
  }
  return out;
}

/** A gvfs mount folder name: smb-share:domain=OFFICE,port=4450,server=nas.local,share=models,user=ana */
export function parseGvfsName(name: string, mountPoint: string): FoundMount | null {
  if (!name.startsWith('smb-share:')) return null;
  const fields = new Map<string, string>();
  for (const part of name.slice('smb-share:'.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    let value = part.slice(eq + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      /* keep it as written */
    }
    fields.set(part.slice(0, eq), value);
  }
  const server = fields.get('server');
  const shareName = fields.get('share');
  if (!server || !shareName) return null;
  const port = fields.has('port') ? Number(fields.get('port')) : null;
  const share = make(
    'gvfs',
    {
      host: server.replace(/^\[|\]$/g, ''),
      port: port && Number.isInteger(port) && port !== 445 ? port : null,
      share: shareName,
      user: fields.get('user') ?? null,
      domain: fields.get('domain') ?? null,
    },
    mountPoint,
  );
  return share ? { mount: share, addresses: [] } : null;
}

/** smbfs lines of macOS `mount`: //ana@nas._smb._tcp.local/Team%20Models on /Volumes/Team Models (smbfs, …) */
export function parseMacMount(text: string): FoundMount[] {
  const out: FoundMount[] = [];
  for (const line of text.split('\n')) {
    const m = /^\/\/(?:([^@/]*)@)?([^/]+)\/(.+?) on (.+) \(smbfs(?:,|\))/.exec(line.trim());
    if (!m) continue;
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    // "user:password@" never appears in `mount` output, but a "GUEST:@" does: keep only the user.
    let user = m[1] ? dec(m[1].split(':')[0] ?? '') : null;
    let domain: string | null = null;
    if (user?.includes(';')) [domain, user] = user.split(';', 2) as [string, string];
    const hostPort = m[2]!;
    const hp = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
    const [share, ...sub] = m[3]!.split('/');
    const found = make(
      'smbfs',
      {
        host: dec(hp[1]!),
        port: hp[2] && Number(hp[2]) !== 445 ? Number(hp[2]) : null,
        share: dec(share ?? ''),
        subpath: sub.map(dec).join('/'),
        user,
        domain,
      },
      m[4]!,
    );
    if (found) out.push({ mount: found, addresses: [] });
    if (out.length >= MAX_MOUNTS) break;
  }
  return out;
}

/**
 * Mapped drives in Windows `net use` output. The status column is localised ("OK", "Getrennt",
 * "Non disponible"), so rows are recognised by their drive letter and \\server\share, not by words.
 * Connections without a drive letter (IPC$, a UNC path opened once) are not mounts and are skipped.
 */
export function parseNetUse(text: string): FoundMount[] {
  const out: FoundMount[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /(?:^|\s)([A-Za-z]):\s+(\\\\[^\\\s]+\\[^\\]+?(?:\\[^\\]+?)*)(?:\s{2,}|\s*$)/.exec(line);
    if (!m) continue;
    const parts = m[2]!.slice(2).split('\\').filter((p) => p !== '');
    if (parts.length < 2) continue;
    const [host, share, ...sub] = parts as [string, string, ...string[]];
    if (/\$$/.test(share) && /^(ipc|admin)\$$/i.test(share)) continue;
    const found = make('net-use', { host, share, subpath: sub.join('/') }, `${m[1]!.toUpperCase()}:\\`);
    if (found) out.push({ mount: found, addresses: [] });
    if (out.length >= MAX_MOUNTS) break;
  }
  return out;
}

function defaultRunCommand(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (err, stdout) => {
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
  });
}

async function gvfsMounts(runRoot: string): Promise<FoundMount[]> {
  const out: FoundMount[] = [];
  const users = await readdir(runRoot).catch(() => [] as string[]);
  for (const uid of users.slice(0, 100)) {
    if (!/^\d+$/.test(uid)) continue;
    const dir = path.join(runRoot, uid, 'gvfs');
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.slice(0, MAX_MOUNTS)) {
      const found = parseGvfsName(name, path.join(dir, name));
      if (found) out.push(found);
    }
  }
  return out;
}

/** Every SMB share this computer has mounted right now. Never throws: a missing source is no mounts. */
export async function listMountedShares(opts: MountProbeOptions = {}, timeoutMs = 3000): Promise<FoundMount[]> {
  const platform = opts.platform ?? process.platform;
  const run = opts.runCommand ?? defaultRunCommand;
  try {
    if (platform === 'linux') {
      const text = await readFile(opts.procMountsPath ?? '/proc/mounts', 'utf8').catch(() => '');
      return [...parseProcMounts(text), ...(await gvfsMounts(opts.gvfsRunRoot ?? '/run/user'))];
    }
    if (platform === 'darwin') return parseMacMount(await run('mount', [], timeoutMs));
    if (platform === 'win32') return parseNetUse(await run('net', ['use'], timeoutMs));
  } catch {
    // `mount` / `net use` missing or slow: no mounted shares to offer, discovery goes on.
  }
  return [];
}

/** The mounted share whose mount point is `folder` (or contains it), for adding it as a source. */
export function findMountFor(mounts: FoundMount[], folder: string): { found: FoundMount; rest: string } | null {
  const norm = (p: string) => p.replace(/[\\/]+$/, '');
  const target = norm(folder);
  let best: { found: FoundMount; rest: string } | null = null;
  for (const f of mounts) {
    const mp = norm(f.mount.mountPoint);
    const inside = target === mp || target.startsWith(`${mp}/`) || target.startsWith(`${mp}\\`);
    if (!inside) continue;
    if (best && norm(best.found.mount.mountPoint).length >= mp.length) continue;
    best = { found: f, rest: target.slice(mp.length).replace(/^[\\/]+/, '').split(/[\\/]/).filter((p) => p !== '').join('/') };
  }
  return best;
}

/** The smb:// origin of a folder on a mounted share, as the smb columns of a local source row. */
export function mountOrigin(hit: { found: FoundMount; rest: string }): {
  host: string;
  port: number | null;
  share: string;
  subpath: string;
  username: string | null;
  domain: string | null;
} {
  const origin = hit.found.mount;
  const originUrl = new URL(origin.url);
  const subpath = [decodeURIComponent(originUrl.pathname).split('/').slice(2).join('/'), hit.rest].filter((p) => p !== '').join('/');
  const user = originUrl.username ? decodeURIComponent(originUrl.username) : null;
  const [domain, username] = user?.includes(';') ? (user.split(';', 2) as [string, string]) : [null, user];
  return { host: origin.host, port: originUrl.port ? Number(originUrl.port) : null, share: origin.share, subpath, username, domain };
}
