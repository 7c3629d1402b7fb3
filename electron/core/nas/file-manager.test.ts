import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog';
import { openCatalogDb } from '../catalog/open';
import { memoryCredentials } from '../credentials';
import type { EngineContext } from '../engine-context';
import { EngineError } from '../errors';
import { fileManagerHandlers } from '../rpc/file-manager-handlers';
import { type FileManagerTarget, fileManagerPlan, type LaunchPlan, launchFileManager } from './file-manager';

const share: FileManagerTarget = { kind: 'smb', host: 'nas.local', port: null, share: 'models', subpath: 'llm/v2', user: 'ana', domain: null };

describe('file manager plans', () => {
  it('macOS: Finder mounts the smb:// address itself', () => {
    const plan = fileManagerPlan('darwin', share, true);
    expect(plan.app).toBe('Finder');
    expect(plan.alternatives).toEqual([[{ command: 'open', args: ['smb://ana@nas.local/models/llm/v2'], wait: false }]]);
  });

  it('Windows: File Explorer opens the UNC path; other ports are refused with a reason', () => {
    const plan = fileManagerPlan('win32', share, true);
    expect(plan.app).toBe('File Explorer');
    expect(plan.alternatives).toEqual([[{ command: 'explorer.exe', args: ['\\\\nas.local\\models\\llm\\v2'], wait: false }]]);
    expect(() => fileManagerPlan('win32', { ...share, port: 4450 }, true)).toThrow(/port 445.*4450/);
  });

  it('Linux: gio mounts the share (password on stdin, domain in the URL) then opens it; xdg-open is the fallback', () => {
    const plan = fileManagerPlan('linux', share, true);
    expect(plan.app).toBe('Files');
    expect(plan.alternatives[0]).toEqual([
      { command: 'gio', args: ['mount', 'smb://WORKGROUP;ana@nas.local/models'], wait: true, passwordOnStdin: true, mayFail: true },
      { command: 'gio', args: ['open', 'smb://WORKGROUP;ana@nas.local/models/llm/v2'], wait: false },
    ]);
    expect(plan.alternatives[1]).toEqual([{ command: 'xdg-open', args: ['smb://WORKGROUP;ana@nas.local/models/llm/v2'], wait: false }]);
    const guest = fileManagerPlan('linux', { ...share, user: null, port: 4450 }, false);
    expect(guest.alternatives[0]?.[0]?.args).toEqual(['mount', '--anonymous', 'smb://nas.local:4450/models']);
    // No password anywhere on a command line, whatever the platform.
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const p = fileManagerPlan(platform, share, true);
      expect(JSON.stringify(p)).not.toMatch(/secret/);
    }
  });

  it('local folders open as folders', () => {
    expect(fileManagerPlan('linux', { kind: 'folder', path: '/mnt/nas' }, false).alternatives[0]).toEqual([
      { command: 'gio', args: ['open', '/mnt/nas'], wait: false },
    ]);
    expect(fileManagerPlan('darwin', { kind: 'folder', path: '/Volumes/models' }, false).alternatives).toEqual([
      [{ command: 'open', args: ['/Volumes/models'], wait: false }],
    ]);
  });
});

describe('launching the file manager', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-file-manager-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says which programs are missing and how to install them', async () => {
    const plan = fileManagerPlan('linux', share, true);
    const failure = await launchFileManager(plan, { password: 'secret', env: { PATH: dir } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).code).toBe('UNSUPPORTED');
    expect((failure as EngineError).message).toMatch(/looked for gio, xdg-open/);
  });

  it('hands the password to the mount on stdin, never in its arguments, then opens the share', async () => {
    // A stand-in `gio` that records its arguments and what it read, so the runner's real spawn is exercised.
    const log = path.join(dir, 'log');
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'gio'), `#!/bin/sh\nread line\necho "args=$* stdin=$line" >> '${log}'\n`);
    await chmod(path.join(bin, 'gio'), 0o755);
    const plan = fileManagerPlan('linux', share, true);
    const result = await launchFileManager(plan, { password: 'secret', env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.command).toBe('gio');
    // The open step runs detached: wait for its line.
    let text = '';
    for (let i = 0; i < 50 && text.split('\n').filter(Boolean).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await readFile(log, 'utf8').catch(() => '');
    }
    const lines = text.split('\n').filter(Boolean);
    expect(lines[0]).toBe('args=mount smb://WORKGROUP;ana@nas.local/models stdin=secret');
    expect(lines[1]).toBe('args=open smb://WORKGROUP;ana@nas.local/models/llm/v2 stdin=');
  });

  it('a failing mount still lets the file manager try (it asks for the password itself)', async () => {
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'gio'), `#!/bin/sh\nif [ "$1" = mount ]; then echo "gio: mount failed" >&2; exit 2; fi\nexit 0\n`);
    await chmod(path.join(bin, 'gio'), 0o755);
    const result = await launchFileManager(fileManagerPlan('linux', share, false), { env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(result.command).toBe('gio');
  });
});

describe('sources.openInFileManager', () => {
  let dir: string;
  let catalog: Catalog;
  let plans: LaunchPlan[];
  let ctx: EngineContext;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-open-fm-'));
    await mkdir(path.join(dir, 'mnt', 'models'), { recursive: true });
    await writeFile(path.join(dir, 'mounts'), `//nas.local/models ${path.join(dir, 'mnt', 'models')} cifs rw,username=ana,addr=10.0.0.2 0 0\n`);
    catalog = new Catalog(openCatalogDb(':memory:'));
    plans = [];
    ctx = {
      dataDir: dir,
      host: 'test',
      catalog,
      credentials: memoryCredentials(),
      emit: () => {},
      sources: {
        requireRow(id: number) {
          const r = catalog.getSource(id);
          if (!r) throw new EngineError('NOT_FOUND', `There is no source with id ${id}.`);
          return r;
        },
      },
    } as unknown as EngineContext;
  });
  afterEach(async () => {
    catalog.close();
    await rm(dir, { recursive: true, force: true });
  });

  const handlers = (mountsFile: string) =>
    fileManagerHandlers(ctx, {
      platform: 'linux',
      mounts: { platform: 'linux', procMountsPath: mountsFile, gvfsRunRoot: path.join(dir, 'none') },
      launch: async (plan) => {
        plans.push(plan);
        return { command: 'recorded' };
      },
    })['sources.openInFileManager'];

  it('opens a share the OS already mounted as its folder, and a fresh one through the OS mount', async () => {
    const row = catalog.insertSource({ kind: 'smb', name: 'models', url: 'smb://ana@nas.local/models', host: 'nas.local', port: null, share: 'models', subpath: '', username: 'ana', domain: null });
    const mounted = await handlers(path.join(dir, 'mounts'))({ id: row.id, path: 'llm/v2' });
    expect(mounted).toEqual({ app: 'Files', opened: path.join(dir, 'mnt', 'models', 'llm', 'v2') });
    expect(plans[0]?.alternatives[0]?.[0]).toMatchObject({ command: 'gio', args: ['open', path.join(dir, 'mnt', 'models', 'llm', 'v2')] });

    await ctx.credentials.set(row.id, 'pw');
    const fresh = await handlers(path.join(dir, 'no-mounts'))({ id: row.id });
    expect(fresh).toEqual({ app: 'Files', opened: 'smb://ana@nas.local/models' });
    expect(plans[1]?.alternatives[0]?.[0]).toMatchObject({ command: 'gio', args: ['mount', 'smb://WORKGROUP;ana@nas.local/models'], passwordOnStdin: true });
  });

  it('opens local folders and refuses paths that leave the source', async () => {
    const row = catalog.insertSource({ kind: 'local', name: 'here', url: dir, rootPath: dir });
    expect(await handlers(path.join(dir, 'mounts'))({ id: row.id, path: 'mnt' })).toEqual({ app: 'Files', opened: path.join(dir, 'mnt') });
    await expect(handlers(path.join(dir, 'mounts'))({ id: row.id, path: '../etc' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
