import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { resolveStatic } from './http-guard';
import { type RunningServer, startServer } from './server';

describe('browser-mode server', () => {
  let dir: string;
  let engine: Engine;
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-server-'));
    const renderer = path.join(dir, 'renderer');
    await (await import('node:fs/promises')).mkdir(renderer);
    await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>Modelshelf</title>');
    await writeFile(path.join(dir, 'secret.txt'), 'do not serve');
    engine = await createEngine({ dataDir: path.join(dir, 'data') });
    server = await startServer({ engine, rendererDir: renderer });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('binds to loopback and prints a URL with the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await fetch(`${base}/`)).status).toBe(403);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
    expect((await fetch(`${base}/index.html`, { headers: { cookie: 'modelshelf_token=nope' } })).status).toBe(403);
  });

  it('serves the app with the token and sets a strict HttpOnly cookie plus CSP', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Modelshelf</title>');
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const withCookie = await fetch(`${base}/index.html`, { headers: { cookie: `modelshelf_token=${server.token}` } });
    expect(withCookie.status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { host: 'evil.example:80' } }, (res) =>
          resolve(res.statusCode ?? 0),
        )
        .end();
    });
    expect(status).toBe(421);
  });

  it('never serves files outside the renderer folder', async () => {
    const res = await fetch(`${base}/..%2fsecret.txt?token=${server.token}`);
    expect(res.status).not.toBe(200);
    expect(resolveStatic('/srv/app', '/../secret.txt')).toBeNull();
    expect(resolveStatic('/srv/app', '/%2e%2e/secret.txt')).toBeNull();
    expect(resolveStatic('/srv/app', '/a%00b')).toBeNull();
    expect(resolveStatic('/srv/app', '/assets/app.js')).toBe('/srv/app/assets/app.js');
  });

  it('refuses WebSocket connections without the token or from another origin', async () => {
    const attempt = (url: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('error', () => resolve('refused'));
        ws.on('unexpected-response', () => resolve('refused'));
      });
    expect(await attempt(`ws://127.0.0.1:${server.port}/rpc`)).toBe('refused');
    expect(await attempt(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`, { origin: 'http://evil.example' })).toBe('refused');
    expect(await attempt(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`)).toBe('open');
  });

  it('answers contract calls over the WebSocket, errors as data', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/rpc?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const ask = (id: number, method: string, input: unknown) =>
      new Promise<{ id: number; result: { ok: boolean; value?: unknown; error?: { code: string } } }>((resolve) => {
        const onMsg = (data: WebSocket.RawData) => {
          const msg = JSON.parse(String(data));
          if (msg.type === 'result' && msg.id === id) {
            ws.off('message', onMsg);
            resolve(msg);
          }
        };
        ws.on('message', onMsg);
        ws.send(JSON.stringify({ type: 'call', id, method, input }));
      });
    expect((await ask(1, 'sources.list', {})).result).toEqual({ ok: true, value: [] });
    expect((await ask(2, 'no.such.method', {})).result.error?.code).toBe('INVALID_INPUT');
    expect((await ask(3, 'sources.add', { location: 'smb://nas' })).result.error?.code).toBe('INVALID_INPUT');
    expect((await ask(4, 'library.get', { id: 99 })).result.error?.code).toBe('NOT_FOUND');
    ws.close();
  });
});
