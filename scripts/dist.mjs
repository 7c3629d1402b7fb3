// `npm run dist [-- <electron-builder args, e.g. --linux dir>]`: builds the app, rebuilds the native
// module for Electron's ABI, and packages it with build/electron-builder.yml for this platform.
//
// Electron's prebuilt binary is never downloaded here: set ELECTRON_DIST to an unpacked Electron
// folder (the one from electron-vX-<os>-<arch>.zip), or have node_modules/electron/dist populated.
// MODELSHELF_SKIP_NATIVE_REBUILD=1 packages better-sqlite3 as built for Node (the app will NOT start;
// only for inspecting the package layout, as electron/main/packaging.test.ts does).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);

export const NO_ELECTRON_MESSAGE =
  "Packaging needs Electron's prebuilt binary, which this machine cannot download. Set ELECTRON_DIST=<unpacked electron folder> to package with a local copy.";

const EXECUTABLES = { darwin: 'Electron.app', win32: 'electron.exe' };

/** An unpacked Electron folder with this platform's executable in it, or null. */
export function findElectronDist(env = process.env, platform = process.platform) {
  const exe = EXECUTABLES[platform] ?? 'electron';
  const candidates = env.ELECTRON_DIST ? [path.resolve(env.ELECTRON_DIST)] : [path.join(root, 'node_modules', 'electron', 'dist')];
  return candidates.find((dir) => existsSync(path.join(dir, exe))) ?? null;
}

function run(what, command, args, env = process.env) {
  console.log(`dist: ${what}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return result.status === 0;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

async function main() {
  // 1. Fail fast, before any build work, when there is no Electron to package.
  const electronDist = findElectronDist();
  if (!electronDist) fail(NO_ELECTRON_MESSAGE);
  const electronVersion = JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;

  // 2. Build dist/ (main, preload, utility, cli, renderer).
  if (!run('building', process.execPath, ['scripts/build.mjs'])) fail('dist: the build failed.');

  // 3. better-sqlite3 for Electron's ABI. @electron/rebuild downloads Electron's headers; npm's
  //    nodedir setting would silently make it build for Node, so it is removed from the env.
  const rebuild = process.env.MODELSHELF_SKIP_NATIVE_REBUILD !== '1';
  if (rebuild) {
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.toLowerCase() === 'npm_config_nodedir') delete env[key];
    const cli = path.join(root, 'node_modules', '@electron', 'rebuild', 'lib', 'cli.js');
    const ok = run(`rebuilding better-sqlite3 for Electron ${electronVersion}`, process.execPath, [cli, '--version', electronVersion, '--force', '--only', 'better-sqlite3'], env);
    if (!ok)
      fail(
        `dist: could not rebuild better-sqlite3 for Electron ${electronVersion}: it needs Electron's headers (https://electronjs.org/headers). ` +
          'Run `npm run dist` where they can be downloaded, or set MODELSHELF_SKIP_NATIVE_REBUILD=1 to package a layout-only build that will not start.',
      );
  } else {
    console.warn('dist: MODELSHELF_SKIP_NATIVE_REBUILD=1: better-sqlite3 keeps its Node ABI; this package will not start.');
  }

  // 4. Package. npmRebuild is off: step 3 did it (or was skipped on purpose).
  const builder = path.join(root, 'node_modules', 'electron-builder', 'cli.js');
  const ok = run('packaging', process.execPath, [
    builder,
    '--config',
    'build/electron-builder.yml',
    `-c.electronDist=${electronDist}`,
    `-c.electronVersion=${electronVersion}`,
    '-c.npmRebuild=false',
    ...extraArgs,
  ]);

  // 5. Put better-sqlite3 back to Node's ABI so the CLI and the tests keep working.
  if (rebuild && !run('restoring better-sqlite3 for Node', 'npm', ['rebuild', 'better-sqlite3'])) {
    console.error('dist: run `npm rebuild better-sqlite3` before using the CLI or the tests again.');
  }
  if (!ok) fail('dist: electron-builder failed (see above).');
  console.log('dist: done; the packages are in release/.');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
