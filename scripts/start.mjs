// `npm start`: the Electron app where an Electron binary exists; otherwise browser mode, with the
// demo library when no source is configured yet, and a plain sentence saying why.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

if (!existsSync(path.join(root, 'dist', 'cli.cjs'))) {
  const build = spawn(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const code = await new Promise((r) => build.on('exit', r));
  if (code !== 0) process.exit(code ?? 1);
}

let electronPath = null;
let why = '';
try {
  const p = require('electron');
  if (typeof p === 'string' && existsSync(p)) electronPath = p;
  else why = 'the Electron binary was not downloaded';
} catch (err) {
  why = String(err?.message ?? err).split('\n')[0];
}

const args = process.argv.slice(2);
const child = electronPath
  ? spawn(electronPath, [root, ...args], { stdio: 'inherit' })
  : (() => {
      console.log(`No Electron binary on this machine (${why}); starting browser mode instead.`);
      return spawn(process.execPath, [path.join(root, 'dist', 'cli.cjs'), 'serve', '--open', '--demo', ...args], { stdio: 'inherit' });
    })();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
