// Browser mode, from outside: the real `modelshelf serve` (the CLI bundled from the work tree) gets
// real requests a hostile page or a DNS-rebinding attack would send. Extends electron/hosts/server.test.ts
// (which covers /, a wrong token, a foreign Host on GET /, and a WebSocket without token or from
// evil.example) with: every route without the token (assets, client routes, /rpc as plain HTTP, every
// method), foreign or tricky Host headers on the WebSocket upgrade, Origins that are almost ours.
import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bundleCli, cliEnv, sleep, startCli } from './helpers';

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One raw request: any method, any Host header (or none, with HTTP/1.0). */
function request(port: number, opts: { method?: string; path: string; host?: string | null; headers?: Record<string, string> }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers, setHost: opts.host !== null });
    if (opts.host) req.setHeader('Host', opts.host);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end();
  });
}

/** A WebSocket upgrade with chosen headers: 'open' or the HTTP status it was refused with. */
function upgrade(port: number, pathAndQuery: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${pathAndQuery}`, { headers, handshakeTimeout: 10_000 });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(String(res.statusCode));
      ws.terminate();
    });
    ws.on('error', () => resolve('refused'));
  });
}

describe('browser mode against hostile requests', () => {
  let work: string;
  let server: ReturnType<typeof startCli>;
  let port = 0;
  let token = '';

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-browser-'));
    const cli = await bundleCli(path.join(work, 'bin'));
    await mkdir(path.join(work, 'bin', 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(work, 'bin', 'renderer', 'assets', 'app.js'), 'console.log("app")');
    await writeFile(path.join(work, 'bin', 'renderer', 'favicon.ico'), 'ico');
    server = startCli(cli, ['serve', '--port', '0', '--data-dir', path.join(work, 'data')], cliEnv());
    const deadline = Date.now() + 30_000;
    let url = '';
    while (!url && Date.now() < deadline && server.child.exitCode === null) {
      url = /running at (\S+)/.exec(server.out().stdout)?.[1] ?? '';
      await sleep(50);
    }
    if (!url) throw new Error(`serve did not start: ${server.out().stderr}`);
    const u = new URL(url);
    port = Number(u.port);
    token = u.searchParams.get('token') ?? '';
  });

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    if (server) await Promise.race([server.exited, sleep(10_000)]);
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    if (work) await rm(work, { recursive: true, force: true });
  });

  const ours = () => `127.0.0.1:${port}`;

  it('every route and method needs the token; with it the same routes are served', async () => {
    const routes = ['/', '/index.html', '/assets/app.js', '/favicon.ico', '/rpc', '/models/42', '/assets/missing.js', '/%2e%2e/%2e%2e/etc/passwd'];
    for (const route of routes) {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const r = await request(port, { method, path: route });
        expect(r.status, `${method} ${route}`).toBe(403);
        expect(r.headers['set-cookie'], `${method} ${route}`).toBeUndefined();
        expect(r.headers['access-control-allow-origin'], `${method} ${route}`).toBeUndefined();
        expect(r.body, `${method} ${route}`).not.toContain('console.log');
      }
      // A cookie or header with a wrong token is no token.
      expect((await request(port, { path: route, headers: { cookie: 'modelshelf_token=x' } })).status, route).toBe(403);
      expect((await request(port, { path: route, headers: { cookie: `modelshelf_token=${token}x` } })).status, route).toBe(403);
    }
    // The routes exist: with the token, the asset and the app are served (the 403s above were the guard).
    expect((await request(port, { path: `/assets/app.js?token=${token}` })).body).toContain('console.log');
    expect((await request(port, { path: '/models/42', headers: { cookie: `modelshelf_token=${token}` } })).status).toBe(200);
    // /rpc is only a WebSocket: as plain HTTP, even with the token, it is the app shell, never the engine.
    const plainRpc = await request(port, { method: 'POST', path: `/rpc?token=${token}` });
    expect(plainRpc.status).toBe(405);
  });

  it('a foreign Host header is refused before anything else (DNS rebinding), on HTTP and on the WebSocket', async () => {
    const hosts = ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost.:${port}`, '127.0.0.1', `127.0.0.1:${port + 1}`, `[::ffff:127.0.0.1]:${port}`, `0.0.0.0:${port}`];
    for (const host of hosts) {
      const r = await request(port, { path: `/?token=${token}`, host });
      expect(r.status, host).toBe(421);
      expect(r.headers['set-cookie'], host).toBeUndefined();
      expect(await upgrade(port, `/rpc?token=${token}`, { host, origin: `http://${host}` }), host).not.toBe('open');
      expect(await upgrade(port, `/rpc?token=${token}`, { host }), host).not.toBe('open');
    }
    // No Host header at all is no better (Node refuses it with 400 before our guard's 421).
    expect([400, 421]).toContain((await request(port, { path: `/?token=${token}`, host: null })).status);
    // Our own names are accepted (the checks above are not refusing everything).
    for (const host of [ours(), `localhost:${port}`, `LOCALHOST:${port}`]) expect((await request(port, { path: `/?token=${token}`, host })).status, host).toBe(200);
  });

  it('the WebSocket opens only for our own origin with the token', async () => {
    const t = `/rpc?token=${token}`;
    expect(await upgrade(port, t, { origin: `http://${ours()}` })).toBe('open');
    expect(await upgrade(port, '/rpc', { origin: `http://${ours()}`, cookie: `modelshelf_token=${token}` })).toBe('open');
    const origins = [
      'http://evil.example',
      'null',
      `http://localhost:${port}`, // another name for the same server: another origin, refused
      `http://127.0.0.1:${port + 1}`,
      `http://127.0.0.1:${port}.evil.example`,
      `http://evil.example/?http://127.0.0.1:${port}`,
      `file://`,
      `chrome-extension://abcdef`,
      `ws://127.0.0.1:${port}`,
    ];
    for (const origin of origins) {
      expect(await upgrade(port, t, { origin }), origin).not.toBe('open');
      expect(await upgrade(port, '/rpc', { origin, cookie: `modelshelf_token=${token}` }), origin).not.toBe('open');
    }
    // Without the token nothing opens, whatever else is right; and only /rpc upgrades.
    expect(await upgrade(port, '/rpc', { origin: `http://${ours()}` })).not.toBe('open');
    expect(await upgrade(port, '/rpc?token=', { origin: `http://${ours()}` })).not.toBe('open');
    for (const p of ['/', '/rpc/', '/rpc2', '/RPC', '/assets/app.js', '//rpc']) expect(await upgrade(port, `${p}?token=${token}`, {}), p).not.toBe('open');
  });

  it('a refused upgrade never reaches the engine; an accepted one answers', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${token}`, { headers: { origin: `http://evil.example` } });
    const got: string[] = [];
    ws.on('message', (d) => got.push(String(d)));
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'call', id: 1, method: 'sources.list', input: {} }));
        resolve('open');
      });
      ws.on('unexpected-response', (_q, res) => resolve(String(res.statusCode)));
      ws.on('error', () => resolve('refused'));
    });
    expect(outcome).toBe('403');
    await sleep(200);
    expect(got).toEqual([]);
    ws.terminate();

    const okWs = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${token}`, { headers: { origin: `http://${ours()}` } });
    const answer = await new Promise<string>((resolve, reject) => {
      okWs.on('open', () => okWs.send(JSON.stringify({ type: 'call', id: 7, method: 'sources.list', input: {} })));
      okWs.on('message', (d) => resolve(String(d)));
      okWs.on('error', reject);
      setTimeout(() => reject(new Error('no answer')), 10_000);
    });
    expect(JSON.parse(answer)).toMatchObject({ type: 'result', id: 7, result: { ok: true } });
    okWs.close();
  });
});
