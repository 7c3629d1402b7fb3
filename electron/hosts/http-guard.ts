// Pure checks for browser mode, kept apart from the server so each can be unit-tested: the token
// (constant-time compare), the Host header (defeats DNS rebinding), the Origin of WebSocket
// upgrades, and mapping a URL path onto the renderer folder without escaping it.
import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { TOKEN_HEADER, TOKEN_PARAM } from '../../shared/wire';

export const TOKEN_COOKIE = 'modelshelf_token';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function tokensEqual(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export interface RequestLike {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

function header(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Where the request's token came from, or null if it carries none that matches. */
export function requestToken(req: RequestLike, token: string): 'query' | 'cookie' | 'header' | null {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (tokensEqual(token, url.searchParams.get(TOKEN_PARAM))) return 'query';
  if (tokensEqual(token, header(req, TOKEN_HEADER))) return 'header';
  if (tokensEqual(token, cookieValue(header(req, 'cookie'), TOKEN_COOKIE))) return 'cookie';
  return null;
}

/** True when the Host header names the address we listen on (loopback names, or the bound host). */
export function hostAllowed(hostHeader: string | undefined, boundHost: string, port: number): boolean {
  if (!hostHeader) return false;
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (boundHost !== '127.0.0.1' && boundHost !== '::1' && boundHost !== 'localhost') {
    allowed.add(`${boundHost.includes(':') ? `[${boundHost}]` : boundHost}:${port}`);
  }
  return allowed.has(hostHeader.toLowerCase());
}

/** A WebSocket upgrade must come from our own page (browsers always send Origin). */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true; // non-browser clients (CLI tools, tests) send none; the token still applies
  try {
    const o = new URL(origin);
    return (o.protocol === 'http:' || o.protocol === 'https:') && o.host === hostHeader?.toLowerCase();
  } catch {
    return false;
  }
}

/** Maps a URL path to a file inside `root`, or null if it would leave it. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = path.resolve(root, rel);
  const base = path.resolve(root);
  if (full !== base && !full.startsWith(base + path.sep)) return null;
  return full;
}
