// Builds everything that runs outside vitest: the CLI / browser-mode server and the Electron host
// files with esbuild (Node-side, CommonJS so the preload keeps sandbox: true), and the renderer with
// Vite. Runs on `npm install` (prepare) so `npx modelshelf` works right after a clone.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const started = Date.now();

const nodeEntries = [
  { in: 'electron/hosts/cli.ts', out: 'dist/cli.cjs', external: [] },
  { in: 'electron/hosts/utility-process.ts', out: 'dist/electron/utility.cjs', external: [] },
  { in: 'electron/main/main.ts', out: 'dist/electron/main.cjs', external: ['electron'] },
  { in: 'electron/preload/preload.ts', out: 'dist/electron/preload.cjs', external: ['electron'], minify: true },
];

async function buildNode() {
  for (const entry of nodeEntries) {
    if (!existsSync(path.join(root, entry.in))) continue;
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry.in],
      outfile: entry.out,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: !entry.minify,
      minify: entry.minify === true,
      // Native and optional modules stay outside the bundle and are loaded from node_modules.
      external: ['better-sqlite3', '@napi-rs/keyring', ...entry.external],
      logLevel: 'warning',
    });
  }
}

async function buildRenderer() {
  if (!existsSync(path.join(root, 'renderer/index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
}

if (only.length === 0) await rm(path.join(root, 'dist'), { recursive: true, force: true });
if (only.length === 0 || only.includes('node')) await buildNode();
if (only.length === 0 || only.includes('renderer')) await buildRenderer();
console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
