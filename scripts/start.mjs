// `npm start`: the Electron app where an Electron binary exists; otherwise browser mode, with the
// demo library when no source is configured yet, and a plain sentence saying why.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

// Look for the binary where the electron package keeps it; require('electron') would try to
// download it, which cannot work on machines without internet access.
let electronPath = null;
let why = '';
try {
  const pkgDir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(pkgDir, 'path.txt');
  const binary = existsSync(pathFile) ? path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
  if (binary && existsSync(binary)) electronPath = binary;
  else why = 'the Electron binary was never downloaded';
} catch {
  why = 'the electron package is not installed';
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
