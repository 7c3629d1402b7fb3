// The full fuzz run: every format reader, sidecar parser and run reader, 100,000 inputs each by
// default, each input in a child process with a heap limit and a 1 s watchdog (see
// electron/testing/hardening/fuzz/driver.ts). Prints one line per target and the totals; exits 1 on
// any failure, listing (target, index) pairs that replay with --targets T --from INDEX --per-target 1.
//   node scripts/hardening/fuzz.mjs [--per-target 100000] [--seed 1] [--targets a,b] [--from 0]
//        [--hang-ms 1000] [--heap-mb 256] [--parallel 1] [--budget-min 0] [--save DIR] [--list]
// --save DIR writes each failing input to DIR/<target>-<index>.bin (the sidecar and run targets'
// inputs are the file's bytes; a run input starts with two bytes: run index, file index).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    'per-target': { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    targets: { type: 'string' },
    from: { type: 'string', default: '0' },
    'hang-ms': { type: 'string', default: '1000' },
    'heap-mb': { type: 'string', default: '256' },
    parallel: { type: 'string', default: '1' },
    'budget-min': { type: 'string', default: '0' },
    list: { type: 'boolean', default: false },
    save: { type: 'string' },
  },
});

const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-fuzz-run-'));
const started = Date.now();
try {
  const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' };
  await esbuild.build({ ...common, entryPoints: ['electron/testing/hardening/fuzz/worker.ts'], outfile: path.join(dir, 'worker.cjs') });
  await esbuild.build({ ...common, entryPoints: ['electron/testing/hardening/fuzz/driver.ts'], outfile: path.join(dir, 'driver.cjs') });
  const driver = createRequire(import.meta.url)(path.join(dir, 'driver.cjs'));
  const demoDir = path.join(dir, 'demo');
  await driver.writeCorpus(demoDir);
  if (values.list) {
    console.log((await driver.targetNames(demoDir)).join('\n'));
    process.exit(0);
  }
  const perTarget = Number(values['per-target']);
  const from = Number(values.from);
  console.log(`fuzzing ${perTarget} inputs per target from index ${from}, seed ${values.seed}`);
  const reports = await driver.runFuzz({
    workerFile: path.join(dir, 'worker.cjs'),
    demoDir,
    perTarget,
    from,
    seed: Number(values.seed),
    hangMs: Number(values['hang-ms']),
    heapMb: Number(values['heap-mb']),
    parallel: Number(values.parallel),
    targets: values.targets ? values.targets.split(',') : undefined,
    targetBudgetMs: Number(values['budget-min']) * 60_000,
    log: (line) => console.log(line),
  });
  const failures = reports.flatMap((r) => r.failures);
  const inputs = reports.reduce((n, r) => n + r.inputs, 0);
  const byKind = {};
  for (const f of failures) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  for (const f of failures.slice(0, 50)) console.log(`FAIL ${f.target} #${f.index} [${f.kind}] ${f.message.split('\n')[0]}`);
  if (values.save && failures.length > 0) {
    await mkdir(values.save, { recursive: true });
    for (const f of failures.slice(0, 200)) {
      if (f.index < 0) continue;
      const bytes = await driver.inputOf(demoDir, f.target, Number(values.seed), f.index);
      await writeFile(path.join(values.save, `${f.target.replace(/[^\w.-]+/g, '_')}-${f.index}.bin`), bytes);
    }
    console.log(`failing inputs saved in ${values.save}`);
  }
  console.log(
    `\n${reports.length} targets, ${inputs} inputs, ${failures.length} failures ${JSON.stringify(byKind)}, ` +
      `${reports.reduce((n, r) => n + r.slowNotReproduced, 0)} slow inputs not reproduced alone, ` +
      `max heap ${Math.max(0, ...reports.map((r) => r.maxHeapMb)).toFixed(0)} MB, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(`fuzz: ${inputs - failures.length} passed, ${failures.length} failed`);
  process.exitCode = failures.length > 0 ? 1 : 0;
} finally {
  await rm(dir, { recursive: true, force: true });
}
