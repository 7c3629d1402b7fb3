// Packages the app for real with electron-builder (linux `dir` target) against a STAND-IN unpacked
// Electron: an `electron` file that carries the fuse sentinel (electron-builder flips the fuses in
// it, which is the only thing it needs from the binary). Then inspects what would ship in app.asar.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

let work = '';
let resources = '';
let files: string[] = [];
let asar: { listPackage(p: string): string[]; extractFile(p: string, f: string): Buffer };

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist/electron/main.cjs')) || !existsSync(path.join(root, 'dist/renderer/index.html'))) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
  }
  work = mkdtempSync(path.join(tmpdir(), 'ms-pack-'));
  const stand = path.join(work, 'electron-dist');
  spawnSync('mkdir', ['-p', stand]);
  // fuse wire v1, 8 fuses, all '0'/'1' as a real binary has them.
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([1, 8]), Buffer.from('10001100\n')]);
  writeFileSync(path.join(stand, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho stand-in\nexit 0\n# '), wire]), { mode: 0o755 });
  const out = path.join(work, 'release');
  const result = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules/electron-builder/cli.js'),
      '--config',
      'build/electron-builder.yml',
      '--linux',
      'dir',
      `-c.electronDist=${stand}`,
      '-c.npmRebuild=false',
      '-c.electronVersion=45.4.1',
      `-c.directories.output=${out}`,
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 55_000 },
  );
  if (result.status !== 0) throw new Error(`electron-builder failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  resources = path.join(out, 'linux-unpacked', 'resources');
  asar = require('@electron/asar');
  files = asar.listPackage(path.join(resources, 'app.asar'));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const inAsar = (file: string) => asar.extractFile(path.join(resources, 'app.asar'), file).toString('utf8');

describe('packaged app (electron-builder, linux dir, stand-in Electron)', () => {
  it('ships main, preload, utility, the CLI and the renderer', () => {
    for (const file of ['/package.json', '/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/electron/utility.cjs', '/dist/cli.cjs', '/dist/renderer/index.html']) {
      expect(files, file).toContain(file);
    }
    expect(JSON.parse(inAsar('package.json')).main).toBe('dist/electron/main.cjs');
  });

  it('carries the catalog migrations inside the engine bundles', () => {
    expect(inAsar('dist/electron/utility.cjs')).toContain('CREATE TABLE source');
    expect(inAsar('dist/cli.cjs')).toContain('CREATE TABLE source');
  });

  it('leaves renderer-only libraries out (they are bundled into dist/renderer)', () => {
    for (const lib of ['react', 'react-dom', 'uplot', '@xyflow/react', 'zustand', 'scheduler']) {
      expect(files.filter((f) => f.startsWith(`/node_modules/${lib}/`) || f === `/node_modules/${lib}`), lib).toEqual([]);
    }
  });

  it('ships no tests, e2e specs or native sources', () => {
    expect(files.filter((f) => /\.test\.|\.spec\.|\/(e2e|tests?|__tests__)(\/|$)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('/electron/') || f.startsWith('/renderer/') || f.startsWith('/shared/'))).toEqual([]);
  });

  it('unpacks better-sqlite3 (and its .node) next to app.asar', () => {
    const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3');
    expect(existsSync(path.join(unpacked, 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'lib', 'index.js'))).toBe(true);
    expect(existsSync(path.join(unpacked, 'deps'))).toBe(false);
    expect(files).toContain('/node_modules/better-sqlite3/package.json');
  });
});

describe('npm run dist without Electron', () => {
  it('fails at once with the exact message when no Electron folder is available', () => {
    const env = { ...process.env, ELECTRON_DIST: path.join(tmpdir(), 'no-such-electron-dist') };
    const result = spawnSync(process.execPath, ['scripts/dist.mjs'], { cwd: root, encoding: 'utf8', env, timeout: 10_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "Packaging needs Electron's prebuilt binary, which this machine cannot download. Set ELECTRON_DIST=<unpacked electron folder> to package with a local copy.",
    );
    expect(readFileSync(path.join(root, 'package.json'), 'utf8')).toContain('"dist": "node scripts/dist.mjs"');
  });
});
