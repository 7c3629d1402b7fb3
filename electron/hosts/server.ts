// Browser mode: the engine behind HTTP + WebSocket on loopback. Every request must carry the random
// token (as Jupyter does): in the URL the first time, then in an HttpOnly SameSite=Strict cookie the
// server sets, so a page on another site can neither read the app nor drive the engine.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { fail } from '../../shared/result';
import type { WireRequest, WireServerMessage } from '../../shared/wire';
import { TOKEN_PARAM } from '../../shared/wire';
import type { Engine } from '../core/engine-api';
import { CSP, hostAllowed, originAllowed, requestToken, resolveStatic, TOKEN_COOKIE } from './http-guard';

export interface ServerOptions {
  engine: Engine;
  host?: string;
  port?: number;
  /** Built renderer (dist/renderer). */
  rendererDir: string;
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const MAX_MESSAGE = 1024 * 1024;

function securityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer'); // the token is in the URL: never leak it
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  securityHeaders(res);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(message);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const rendererDir = path.resolve(opts.rendererDir);
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The app's pages are not built (${rendererDir}). Run: npm run build`);
  }
  let port = 0;

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req.headers.host, host, port)) return refuse(res, 421, 'Wrong host name for this Modelshelf server.');
    const via = requestToken(req, token);
    if (!via) {
      return refuse(
        res,
        403,
        'This Modelshelf address needs its access token. Open the full link that `modelshelf serve` printed.',
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const file = resolveStatic(rendererDir, new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) return refuse(res, 400, 'Bad path.');
    let target = file;
    if (!existsSync(target) || statSync(target).isDirectory()) {
      // Client-side routes fall back to the app shell; missing assets are 404s.
      if (path.extname(target) !== '') return refuse(res, 404, 'Not found.');
      target = path.join(rendererDir, 'index.html');
    }
    securityHeaders(res);
    if (via === 'query') {
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(target)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') return res.end();
    createReadStream(target).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  const clients = new Set<WebSocket>();
  const unsubscribe = opts.engine.onEvent((e) => {
    const msg = JSON.stringify({ type: 'event', event: e.event, payload: e.payload } satisfies WireServerMessage);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(msg);
  });

  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const ok =
      pathname === '/rpc' &&
      hostAllowed(req.headers.host, host, port) &&
      originAllowed(req.headers.origin, req.headers.host) &&
      requestToken(req, token) !== null;
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', async (data) => {
        let msg: WireRequest;
        try {
          msg = JSON.parse(String(data)) as WireRequest;
        } catch {
          return; // not ours; ignore rather than crash
        }
        if (msg?.type !== 'call' || typeof msg.id !== 'number') return;
        const result = typeof msg.method === 'string' ? await opts.engine.call(msg.method, msg.input) : fail('INVALID_INPUT', 'method missing');
        if (ws.readyState === ws.OPEN) {
          ws.send(JSON.stringify({ type: 'result', id: msg.id, result } satisfies WireServerMessage));
        }
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?${TOKEN_PARAM}=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
