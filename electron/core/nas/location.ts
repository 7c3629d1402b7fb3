// Parses what a person types as "where are your models?" into a source location. Accepted:
//   smb://[domain;][user@]host[:port]/share[/path]     \\host\share[\path]     an absolute local folder
//   host/share[/path] and user@host/share (a name typed without smb://)
// A password inside the URL is refused on purpose: it would end up in the catalog and in logs.
import path from 'node:path';
import { EngineError } from '../errors';

export type SourceLocation =
  | {
      kind: 'smb';
      host: string;
      port: number | null;
      share: string;
      subpath: string;
      user: string | null;
      domain: string | null;
      /** Canonical URL without password: smb://[domain;][user@]host[:port]/share[/subpath]. */
      url: string;
    }
  | { kind: 'local'; rootPath: string; url: string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what share names may not contain
const SHARE_NAME = /^[^\\/:*?"<>|\u0000-\u001f]{1,80}$/;

function bad(message: string): never {
  throw new EngineError('INVALID_INPUT', message);
}

export function smbUrl(loc: { host: string; port: number | null; share: string; subpath: string; user: string | null; domain: string | null }): string {
  const who = loc.user ? `${loc.domain ? `${encodeURIComponent(loc.domain)};` : ''}${encodeURIComponent(loc.user)}@` : '';
  const host = loc.host.includes(':') ? `[${loc.host}]` : loc.host;
  const port = loc.port ? `:${loc.port}` : '';
  const sub = loc.subpath ? `/${loc.subpath.split('/').map(encodeURIComponent).join('/')}` : '';
  return `smb://${who}${host}${port}/${encodeURIComponent(loc.share)}${sub}`;
}

export function parseLocation(input: string): SourceLocation {
  const text = input.trim();
  if (text === '') bad('Type where your models are, for example smb://nas/models or a folder on this computer.');
  if (/^smb:\/\//i.test(text)) return parseSmbUrl(text);
  if (text.startsWith('\\\\')) {
    const parts = text.slice(2).split('\\').filter((p) => p !== '');
    if (parts.length < 2) bad(`"${text}" names a computer but no shared folder. Use \\\\nas\\share.`);
    return parseSmbUrl(`smb://${parts.map(encodeURIComponent).join('/')}`);
  }
  if (/^file:\/\//i.test(text)) return local(new URL(text).pathname);
  if (path.isAbsolute(text)) return local(text);
  // host/share[/path], as people type it after seeing the NAS's name. Only when the first part is
  // clearly a computer (a dotted name or address, a port, or user@): "models/v1" stays a refused
  // relative folder rather than a NAS called "models".
  const hostShare = /^(?:([^@/\\\s]+)@)?([A-Za-z0-9][A-Za-z0-9.-]*)(:\d{1,5})?\/[^/]/.exec(text);
  if (hostShare && (hostShare[1] || hostShare[3] || hostShare[2]!.includes('.'))) return parseSmbUrl(`smb://${text}`);
  const hint = hostShare ? ` If ${hostShare[2]} is the NAS's name, type smb://${text}.` : '';
  bad(`"${text}" is not a location Modelshelf understands. Use smb://nas/share, \\\\nas\\share or a full folder path.${hint}`);
}

function local(p: string): SourceLocation {
  const rootPath = path.resolve(p);
  return { kind: 'local', rootPath, url: rootPath };
}

function parseSmbUrl(text: string): SourceLocation {
  // The URL parser silently resolves dot segments (also percent-encoded ones): refuse them first.
  const rawPath = text.replace(/^smb:\/\/[^/]*/i, '');
  if (rawPath.split('/').some((seg) => /^(\.|%2e){1,2}$/i.test(seg))) bad(`The folder path in "${text}" is not allowed.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    bad(`"${text}" is not a valid smb:// address.`);
  }
  if (url.password) bad('Do not put the password in the address; type it in the password field instead.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) bad(`"${text}" has no computer name.`);
  const port = url.port ? Number(url.port) : null;
  let user: string | null = url.username ? decodeURIComponent(url.username) : null;
  let domain: string | null = null;
  if (user?.includes(';')) [domain, user] = user.split(';', 2) as [string, string];
  else if (user?.includes('\\')) [domain, user] = user.split('\\', 2) as [string, string];
  const parts = url.pathname
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p));
  const share = parts.shift();
  if (!share) bad(`"${text}" names a computer but no shared folder. Add the share, e.g. smb://${host}/models.`);
  if (!SHARE_NAME.test(share)) bad(`"${share}" is not a valid share name.`);
  for (const p of parts) if (p === '..' || p === '.' || p.includes('\\')) bad(`The folder path in "${text}" is not allowed.`);
  const loc = { host: host.toLowerCase(), port, share, subpath: parts.join('/'), user: user || null, domain: domain || null };
  return { kind: 'smb', ...loc, url: smbUrl(loc) };
}
