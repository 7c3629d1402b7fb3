// `npm run bench [-- P1 P4 …]`: bundles the TypeScript benchmarks with esbuild and runs them. Not
// part of `npm test`. See bench/README.md. The bundles go to node_modules/.cache (a tool cache that
// lint, git and the app build all ignore), one folder per checkout.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'node_modules', '.cache', 'modelshelf-bench', createHash('sha256').update(root).digest('hex').slice(0, 8));

await esbuild.build({
  absWorkingDir: root,
  entryPoints: { main: 'bench/src/main.ts', child: 'bench/src/child.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  // Native or browser-driving packages load from node_modules as they are.
  external: ['better-sqlite3', '@playwright/test', 'playwright-core', 'playwright', 'esbuild', 'vite'],
  logLevel: 'warning',
});

const child = spawn(process.execPath, ['--enable-source-maps', path.join(outdir, 'main.cjs'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MODELSHELF_BENCH_ROOT: root },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
