// The app as a browser sees it (P6, P7): the CLI and the renderer built from the current tree into
// <build dir>/app (same esbuild/Vite settings as scripts/build.mjs, but not touching dist/), the
// real `serve` command on a catalog folder, and Debian's Chromium driven by Playwright with the
// launch arguments of playwright.config.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from '@playwright/test';
import { BUILD_DIR, REPO_ROOT } from './proc';

export const APP_DIR = path.join(BUILD_DIR, 'app');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Same as playwright.config.ts.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let built: Promise<{ ms: number }> | null = null;

/** Builds once per bench run. */
export function buildApp(): Promise<{ ms: number }> {
  built ??= (async () => {
    const t0 = performance.now();
    const esbuild = await import('esbuild');
    await esbuild.build({
      absWorkingDir: REPO_ROOT,
      entryPoints: ['electron/hosts/cli.ts'],
      outfile: path.join(APP_DIR, 'cli.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['better-sqlite3'],
      logLevel: 'warning',
    });
    const vite = await import('vite');
    await vite.build({
      configFile: path.join(REPO_ROOT, 'vite.config.ts'),
      root: path.join(REPO_ROOT, 'renderer'),
      logLevel: 'warn',
      build: { outDir: path.join(APP_DIR, 'renderer'), emptyOutDir: true },
    });
    return { ms: performance.now() - t0 };
  })();
  return built;
}

export interface Served {
  url: string;
  stop(): Promise<void>;
}

export async function serve(dataDir: string): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [path.join(APP_DIR, 'cli.cjs'), 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'MODELSHELF_PASSWORD')),
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${err}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const { chromium } = await import('@playwright/test');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
