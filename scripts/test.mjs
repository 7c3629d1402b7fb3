// `npm test`: everything a change must pass, in the order that fails fastest.
//   1. lint (biome + import directions) and type-check every tsconfig (Electron files against Electron's types)
//   2. build (the e2e suite drives the built app, as users run it)
//   3. vitest: engine unit tests, real-Samba integration tests, renderer tests
//   4. Playwright: the browser-mode e2e suite in Debian's Chromium (+ Electron where a binary exists)
// Ends with one summary line "tests: N passed, N failed".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
mkdirSync(path.join(root, 'test-results'), { recursive: true });

function run(label, cmd, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${label} ===`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`=== ${label}: ${code === 0 ? 'ok' : `FAILED (${signal ?? code})`} in ${secs} s ===`);
      resolve(code === 0);
    });
  });
}

function need(cmd, install) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (existsSync(path.join(dir, cmd))) return true;
  }
  for (const dir of ['/usr/sbin', '/usr/bin']) if (existsSync(path.join(dir, cmd))) return true;
  console.error(`Missing ${cmd}. Install it with: ${install}`);
  return false;
}

const started = Date.now();
if (!need('smbd', 'sudo apt-get install -y samba smbclient') || !need('chromium', 'sudo apt-get install -y chromium')) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}

const steps = [];
const staticChecks = Promise.all([
  run('lint', bin('biome'), ['check', '.']).then(async (ok) => ok && (await run('import directions', process.execPath, ['scripts/check-imports.mjs']))),
  run('typecheck', 'npm', ['run', '--silent', 'typecheck']),
]);
steps.push(...(await staticChecks));
steps.push(await run('build', process.execPath, ['scripts/build.mjs']));
steps.push(await run('vitest (engine, samba, renderer)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest-results.json']));
steps.push(await run('playwright e2e', bin('playwright'), ['test']));

function counts(file, pick) {
  try {
    return pick(JSON.parse(readFileSync(path.join(root, file), 'utf8')));
  } catch {
    return { passed: 0, failed: 1 };
  }
}
const v = counts('test-results/vitest-results.json', (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests }));
const p = counts('test-results/e2e-results.json', (r) => ({ passed: r.stats.expected, failed: r.stats.unexpected + r.stats.flaky }));
const stepFailures = steps.filter((ok) => !ok).length;
const passed = v.passed + p.passed;
const failed = v.failed + p.failed + (stepFailures > 0 && v.failed + p.failed === 0 ? stepFailures : 0);
console.log(`\nnpm test finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(stepFailures > 0 || failed > 0 ? 1 : 0);
