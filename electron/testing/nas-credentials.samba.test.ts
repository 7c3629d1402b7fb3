// A whole CLI session against a password-protected Samba share — add, scan, list, forget — with the
// real keychain code path (on a machine without a Secret Service it must say so once and fall back).
// Afterwards no file in the data folder and no line the CLI printed contains the password.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary, Source } from '../../shared/contract';
import { keyringUnavailableMessage, osKeyring } from '../core/nas/keyring-credentials';
import { buildCliBundle } from './nas-network';
import { type SambaServer, startSamba } from './samba';

async function seed(dir: string): Promise<void> {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  for (const v of ['v1', 'v2']) {
    await mkdir(path.join(dir, 'classifier', v), { recursive: true });
    await writeFile(path.join(dir, 'classifier', v, 'model.safetensors'), Buffer.concat([len, header, Buffer.alloc(8)]));
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  }
  return out;
}

describe('a full CLI session never leaks the share password', () => {
  const password = `Shelf-${randomBytes(6).toString('hex')}-secret`;
  const wrongPassword = `Wrong-${randomBytes(6).toString('hex')}-guess`;
  let samba: SambaServer;
  let dataDir: string;
  let bundleDir: string;
  let bundle: { cli: string; env: NodeJS.ProcessEnv };
  let keychain: boolean;
  const transcript: string[] = [];

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed }], password });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-forget-data-'));
    bundleDir = await mkdtemp(path.join(os.tmpdir(), 'ms-forget-cli-'));
    bundle = await buildCliBundle(bundleDir);
    // Does this machine have a usable keychain? (This Debian box has no Secret Service.)
    keychain = await osKeyring()
      .get('smb://modelshelf-test-probe@127.0.0.1/none')
      .then(
        () => true,
        () => false,
      );
  });

  afterAll(async () => {
    await samba?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(bundleDir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [bundle.cli, ...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...bundle.env, MODELSHELF_KEYRING: '', ...env },
      timeout: 60_000,
    });
    transcript.push(r.stdout, r.stderr);
    return r;
  };
  const keyringLines = (stderr: string) => stderr.split('\n').filter((l) => l === keyringUnavailableMessage(process.platform)).length;

  it('add (wrong password, then right), scan, sources, ls, forget', async () => {
    const bad = run(['add', samba.url('models'), '--name', 'Team NAS'], { MODELSHELF_PASSWORD: wrongPassword });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/did not accept this user name and password/);

    const add = run(['add', samba.url('models'), '--name', 'Team NAS'], { MODELSHELF_PASSWORD: password });
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Added Team NAS/);
    // Without a keychain the CLI says so, once; with one, it stays quiet and stores the password.
    expect(keyringLines(add.stderr)).toBe(keychain ? 0 : 1);
    if (keychain) expect(await osKeyring().get(samba.url('models'))).toBe(password);

    const scan = run(['scan', 'Team NAS', '--json'], { MODELSHELF_PASSWORD: password });
    expect(scan.status, scan.stderr).toBe(0);
    expect((JSON.parse(scan.stdout) as ScanSummary).files).toBe(2);

    const sources = run(['sources', '--json']);
    expect(sources.status, sources.stderr).toBe(0);
    const list = JSON.parse(sources.stdout) as Source[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'Team NAS', url: samba.url('models'), status: 'online', health: { state: 'online' } });

    const ls = run(['ls', '--json']);
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('classifier');

    const forget = run(['forget', 'Team NAS']);
    expect(forget.status, forget.stderr).toBe(0);
    expect(forget.stdout).toMatch(/^Forgot Team NAS \(smb:\/\/modelshelf@127\.0\.0\.1:\d+\/models\)/);
    expect(JSON.parse(run(['sources', '--json']).stdout)).toEqual([]);
    if (keychain) expect(await osKeyring().get(samba.url('models'))).toBeNull();

    const again = run(['forget', 'Team NAS']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/No source matches "Team NAS"/);
  });

  it('no file in the data folder and no line printed contains either password', async () => {
    const files = await filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('catalog.sqlite'))).toBe(true);
    for (const secret of [password, wrongPassword]) {
      const needles = [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le')];
      for (const f of files) {
        const bytes = await readFile(f);
        for (const n of needles) expect(bytes.includes(n), `${f} contains a password`).toBe(false);
      }
      expect(transcript.join('\n')).not.toContain(secret);
    }
    expect(transcript.join('\n').length).toBeGreaterThan(100); // the transcript really was captured
  });
});
