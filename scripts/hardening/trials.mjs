// Long runs of the trial-based hardening tests: the same test files as npm test, with more trials.
//   node scripts/hardening/trials.mjs scan-faults  [--trials 20] [--seed N] [--files 3000]
//   node scripts/hardening/trials.mjs engine-crash [--trials 20] [--seed N] [--files 3000]
// Runs vitest with scripts/hardening/vitest.config.mts (which also picks up *.pending.ts files) and
// HARDENING_TRIALS / HARDENING_SEED / HARDENING_FILES set; prints vitest's output, including the
// figures line ("scan faults: {...}" / "engine crash: {...}"), and exits with vitest's code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { trials: { type: 'string', default: '20' }, seed: { type: 'string' }, files: { type: 'string' } },
});
const FILES = { 'scan-faults': 'electron/testing/hardening/scan-faults.samba', 'engine-crash': 'electron/testing/hardening/engine-crash.samba' };
const which = positionals[0];
if (!(which in FILES)) {
  console.error(`usage: node scripts/hardening/trials.mjs ${Object.keys(FILES).join('|')} [--trials N] [--seed N] [--files N]`);
  process.exit(2);
}
const env = { ...process.env, HARDENING_TRIALS: values.trials };
if (values.seed) env.HARDENING_SEED = values.seed;
if (values.files) env.HARDENING_FILES = values.files;
const child = spawn(
  path.join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--config', 'scripts/hardening/vitest.config.mts', FILES[which]],
  { cwd: root, env, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
