// Secrets: a whole session with a password-protected share — the CLI adding it (wrong password first),
// scanning, listing; then `modelshelf serve` driven over its WebSocket as the browser UI drives it
// (wrong password, right password, scan, inspect a file on the share, add a second share) — and the
// password, right or wrong, appears in no file under the data folder, no line the CLI or the server
// printed, and no message the server sent.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeDemoLibrary } from '../../core/demo/generate';
import { type SambaServer, startSamba } from '../samba';
import { bundleCli, type Captured, cliEnv, filesContaining, runCli, sleep, startCli } from './helpers';

const PASSWORD = `Shelf-${randomBytes(9).toString('base64url')}`;
const WRONG = `Wrong-${randomBytes(9).toString('base64url')}`;

function leaks(text: string): string[] {
  return [PASSWORD, WRONG].filter((p) => text.includes(p));
}

describe('the share password never reaches a file, a log line or a message', () => {
  let samba: SambaServer;
  let work: string;
  let dataDir: string;
  let cli: string;
  const printed: Array<{ what: string; out: Captured }> = [];
  const messages: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-secrets-'));
    dataDir = path.join(work, 'data');
    [samba, cli] = await Promise.all([
      startSamba({ password: PASSWORD, shares: [{ name: 'models', seed: async (dir) => void (await writeDemoLibrary(dir)) }] }),
      bundleCli(path.join(work, 'bin')),
    ]);
  });

  afterAll(async () => {
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  // The OS keychain is left on (as users run it); on a machine without one the CLI says so and goes on.
  const env = (password?: string) => cliEnv({ MODELSHELF_PASSWORD: password, MODELSHELF_KEYRING: undefined });
  const cliRun = async (what: string, args: string[], password?: string) => {
    const out = await runCli(cli, [...args, '--data-dir', dataDir], env(password), 90_000);
    printed.push({ what, out });
    return out;
  };

  it('through the CLI and the browser-mode server, including the failure paths', async () => {
    // ---- CLI ----
    const wrong = await cliRun('add (wrong password)', ['add', samba.url('models'), '--name', 'Team NAS'], WRONG);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/user name and password/);
    const add = await cliRun('add', ['add', samba.url('models'), '--name', 'Team NAS'], PASSWORD);
    expect(add.code, add.stderr).toBe(0);
    const scan = await cliRun('scan', ['scan', 'Team NAS', '--json'], PASSWORD);
    expect(scan.code, scan.stderr).toBe(0);
    const badScan = await cliRun('scan (wrong password)', ['scan', 'Team NAS'], WRONG);
    expect(badScan.code).toBe(1);
    expect((await cliRun('ls', ['ls', '--json'], PASSWORD)).code).toBe(0);
    expect((await cliRun('sources', ['sources', '--json'])).code).toBe(0);

    // ---- browser mode: `serve`, driven over the WebSocket with the password typed in the UI ----
    const server = startCli(cli, ['serve', '--port', '0', '--data-dir', dataDir], env(undefined));
    let url = '';
    const deadline = Date.now() + 30_000;
    while (!url && Date.now() < deadline && server.child.exitCode === null) {
      url = /running at (\S+)/.exec(server.out().stdout)?.[1] ?? '';
      await sleep(50);
    }
    expect(url, server.out().stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const u = new URL(url);
    const ws = new WebSocket(`ws://${u.host}/rpc?token=${u.searchParams.get('token')}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (d) => messages.push(String(d)));
    let nextId = 1;
    const call = (method: string, input: unknown) =>
      new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error(`${method} got no answer in 60 s`)), 60_000);
        const onMsg = (d: WebSocket.RawData) => {
          const m = JSON.parse(String(d)) as { type: string; id?: number; result?: never };
          if (m.type === 'result' && m.id === id) {
            clearTimeout(timer);
            ws.off('message', onMsg);
            resolve(m.result as never);
          }
        };
        ws.on('message', onMsg);
        ws.send(JSON.stringify({ type: 'call', id, method, input }));
      });
    try {
      const listed = await call('sources.list', {});
      expect(listed.ok).toBe(true);
      const bad = await call('sources.setPassword', { id: 1, password: WRONG });
      expect(bad).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
      const good = await call('sources.setPassword', { id: 1, password: PASSWORD });
      expect(good.ok, JSON.stringify(good)).toBe(true);
      const rescan = await call('sources.scan', { id: 1 });
      expect(rescan.ok, JSON.stringify(rescan)).toBe(true);
      expect((await call('library.list', {})).ok).toBe(true);
      const inspect = await call('files.inspect', { location: `${samba.url('models')}/gguf/tiny-llama-chat-Q4_K_M.gguf`, password: PASSWORD });
      expect(inspect, JSON.stringify(inspect)).toMatchObject({ ok: true, value: { format: 'gguf' } });
      const badInspect = await call('files.inspect', { location: `${samba.url('models')}/README.md`, password: WRONG });
      expect(badInspect).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
      const badAdd = await call('sources.add', { location: `${samba.url('models')}/mlruns`, password: WRONG });
      expect(badAdd).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
      const second = await call('sources.add', { location: `${samba.url('models')}/mlruns`, password: PASSWORD });
      expect(second.ok, JSON.stringify(second)).toBe(true);
      const inUrl = await call('sources.add', { location: `smb://${samba.user}:${PASSWORD}@127.0.0.1:${samba.port}/models`, password: PASSWORD });
      expect(inUrl).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect((await call('sources.list', {})).ok).toBe(true);
    } finally {
      ws.close();
      server.child.kill('SIGTERM');
    }
    const ended = await Promise.race([server.exited, sleep(15_000).then(() => null)]);
    if (!ended) server.child.kill('SIGKILL');
    printed.push({ what: 'serve', out: ended ?? server.out() });

    // ---- nowhere ----
    expect(messages.length).toBeGreaterThan(5);
    for (const m of messages) expect(leaks(m), `a WebSocket message: ${m.slice(0, 300)}`).toEqual([]);
    for (const p of printed) {
      expect(leaks(p.out.stdout), `stdout of ${p.what}`).toEqual([]);
      expect(leaks(p.out.stderr), `stderr of ${p.what}`).toEqual([]);
    }
    expect(await filesContaining(dataDir, PASSWORD)).toEqual([]);
    expect(await filesContaining(dataDir, WRONG)).toEqual([]);
    // The data folder does hold the catalog the session built (the check above looked at real files).
    expect(await readdir(dataDir)).toContain('catalog.sqlite');
  }, 240_000);
});
