// Share listing and guest / domain log-ins against a real Samba: several shares, one the test user
// may not open (valid users = nobody), one guests may read (map to guest = bad user), a printer and
// a hidden share that must not be listed — through the engine and through `modelshelf shares`.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NasShareInfo, ScanSummary, Source } from '../../shared/contract';
import { createEngine } from '../core/engine';
import type { Engine } from '../core/engine-api';
import { connectSmb } from '../core/nas/smb';
import { buildCliBundle } from './nas-network';
import { type SambaServer, startSamba } from './samba';

/** Extra share sections, appended through globalOptions (the harness writes them after [global]). */
function extraShares(dir: string): string[] {
  return [
    'map to guest = bad user',
    '',
    '[public]',
    `path = ${path.join(dir, 'public')}`,
    'comment = Everyone may read',
    'guest ok = yes',
    'read only = yes',
    '',
    '[private]',
    `path = ${path.join(dir, 'private')}`,
    'comment = Only nobody',
    'valid users = nobody',
    '',
    '[laser]',
    `path = ${path.join(dir, 'spool')}`,
    'printable = yes',
    '',
    '[backup$]',
    `path = ${path.join(dir, 'public')}`,
    'comment = hidden admin share',
  ];
}

describe('nas.shares and guest access over real Samba', () => {
  let samba: SambaServer;
  let strict: SambaServer;
  let dir: string;
  let dataDir: string;
  let engine: Engine;
  let bundle: { cli: string; env: NodeJS.ProcessEnv };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-shares-'));
    await chmod(dir, 0o755);
    for (const d of ['public', 'private', 'spool']) await mkdir(path.join(dir, d), { recursive: true });
    await chmod(path.join(dir, 'spool'), 0o1777);
    await writeFile(path.join(dir, 'public', 'model.safetensors'), Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]));
    samba = await startSamba({
      shares: [{ name: 'models' }, { name: 'team', readOnly: true }],
      globalOptions: extraShares(dir),
    });
    // A second server with Samba's shipped default: no guests at all.
    strict = await startSamba({ shares: [{ name: 'models' }] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-shares-data-'));
    engine = await createEngine({ dataDir });
    bundle = await buildCliBundle(dataDir);
  });

  afterAll(async () => {
    await engine?.close();
    await samba?.stop();
    await strict?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  const shares = async (input: Record<string, unknown>) => engine.call('nas.shares', { host: samba.host, port: samba.port, ...input });

  it('lists the disk shares with who may read them; hides IPC$, printers and $ shares', async () => {
    const r = await shares({ user: samba.user, password: samba.password });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const list = (r as { value: NasShareInfo[] }).value;
    expect(list.map((s) => [s.name, s.readable])).toEqual([
      ['models', true],
      ['public', true],
      ['team', true],
      ['private', false],
    ]);
    expect(list.find((s) => s.name === 'public')?.comment).toBe('Everyone may read');
    expect(list.find((s) => s.name === 'private')?.problem).toMatch(/This account may not open the share private/);
    expect(list.find((s) => s.name === 'models')?.problem).toBeNull();
    // What was hidden is really there on the server.
    const client = await connectSmb({ host: samba.host, port: samba.port, user: samba.user, password: samba.password });
    const all = (await client.listShares({ all: true })).map((s) => s.name);
    await client.close();
    expect(all).toEqual(expect.arrayContaining(['IPC$', 'laser', 'backup$']));
  });

  it('a guest (no user) sees the list but can read only the guest share', async () => {
    const r = await shares({});
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const list = (r as { value: NasShareInfo[] }).value;
    expect(list.filter((s) => s.readable).map((s) => s.name)).toEqual(['public']);
    expect(list.map((s) => s.name).sort()).toEqual(['models', 'private', 'public', 'team']);
  });

  it('DOMAIN\\user and an explicit domain log in; a wrong password and a guest-less NAS say why', async () => {
    const viaBackslash = await shares({ user: `MODELSHELF\\${samba.user}`, password: samba.password });
    expect(viaBackslash.ok && (viaBackslash.value as NasShareInfo[]).find((s) => s.name === 'models')?.readable).toBe(true);
    const viaField = await shares({ user: samba.user, domain: 'MODELSHELF', password: samba.password });
    expect(viaField.ok && (viaField.value as NasShareInfo[]).find((s) => s.name === 'team')?.readable).toBe(true);

    const wrong = await shares({ user: samba.user, password: 'not-the-password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(!wrong.ok && wrong.error.message).toMatch(/did not accept this user name and password/);

    const noGuests = await engine.call('nas.shares', { host: strict.host, port: strict.port });
    expect(noGuests).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(!noGuests.ok && noGuests.error.message).toMatch(/does not let guests in/);

    const badHost = await engine.call('nas.shares', { host: 'nas/../x' });
    expect(badHost).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('a guest share is added without a user name or password and indexed', async () => {
    const added = await engine.call('sources.add', { location: `127.0.0.1:${samba.port}/public` });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    const source = (added as { value: Source }).value;
    expect(source).toMatchObject({ kind: 'smb', url: `smb://127.0.0.1:${samba.port}/public`, needsPassword: false, health: { state: 'online' } });
    const scan = await engine.call('sources.scan', { id: source.id });
    expect(scan.ok, JSON.stringify(scan)).toBe(true);
    expect((scan as { value: ScanSummary }).value.files).toBe(1);

    const refused = await engine.call('sources.add', { location: `smb://127.0.0.1:${strict.port}/models` });
    expect(refused).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(!refused.ok && refused.error.message).toMatch(/does not let guests open models\. Add your user name/);
  });

  it('modelshelf shares: JSON with a password from MODELSHELF_PASSWORD, plain lines for a guest', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [bundle.cli, ...args, '--data-dir', dataDir], {
        encoding: 'utf8',
        env: { ...bundle.env, MODELSHELF_KEYRING: 'off', ...env },
        timeout: 60_000,
      });
    const json = run(['shares', `smb://${samba.user}@127.0.0.1:${samba.port}`, '--json'], { MODELSHELF_PASSWORD: samba.password });
    expect(json.status, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as NasShareInfo[];
    expect(list.map((s) => s.name)).toEqual(['models', 'public', 'team', 'private']);
    expect(json.stdout).not.toContain(samba.password);

    const guest = run(['shares', `smb://127.0.0.1:${samba.port}`]);
    expect(guest.status, guest.stderr).toBe(0);
    expect(guest.stdout).toMatch(/^public\treadable\tEveryone may read$/m);
    expect(guest.stdout).toMatch(/^models\tno access: This account may not open the share models/m);

    const noPassword = run(['shares', `smb://${samba.user}@127.0.0.1:${samba.port}`]);
    expect(noPassword.status).toBe(1);
    expect(noPassword.stderr).toMatch(/set MODELSHELF_PASSWORD or run in a terminal/);
  });
});
