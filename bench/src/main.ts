// The runner behind `npm run bench [-- P1 P4 …] [--runs N] [--profile] [--keep-cache=no]`: runs the
// chosen benchmarks, prints a table and writes bench/results/latest.json. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchIndex } from './benchmarks/p1-p2-index';
import { benchCopy } from './benchmarks/p3-copy';
import { benchHeaderBytes } from './benchmarks/p4-header-bytes';
import { benchSearch } from './benchmarks/p5-search';
import { benchLibraryUi } from './benchmarks/p6-library-ui';
import { benchChart } from './benchmarks/p7-chart';
import { benchRss } from './benchmarks/p8-rss';
import type { BenchContext } from './lib/context';
import { REPO_ROOT } from './lib/proc';
import { type BenchResult, loadavg, markdownTable } from './lib/report';

type Runner = (ctx: BenchContext, which: Set<string>) => Promise<BenchResult[]>;

/** Benchmarks that share a setup run together (P1 and P2 share the share and the runs). */
const GROUPS: Array<{ ids: string[]; title: string; run: Runner }> = [
  { ids: ['P1', 'P2'], title: 'index a 20k-file share (cold, then unchanged rescan)', run: benchIndex },
  { ids: ['P3'], title: 'copy a 1 GiB file from the share, sha256-verified', run: benchCopy },
  { ids: ['P4'], title: 'bytes read to index big model files', run: benchHeaderBytes },
  { ids: ['P5'], title: 'search over a 1M-file catalog', run: benchSearch },
  { ids: ['P6'], title: 'library of 100k items in Chromium', run: benchLibraryUi },
  { ids: ['P7'], title: 'metric chart of 1M points in Chromium', run: benchChart },
  { ids: ['P8'], title: 'peak RSS indexing 1M local files', run: benchRss },
];
const ALL = GROUPS.flatMap((g) => g.ids);

function parseArgs(argv: string[]) {
  const ids = new Set<string>();
  let runs = 5;
  let profile = false;
  let keepCache = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/^p\d$/i.test(a)) ids.add(a.toUpperCase());
    else if (a === '--runs') runs = Number(argv[++i]);
    else if (a.startsWith('--runs=')) runs = Number(a.slice(7));
    else if (a === '--profile') profile = true;
    else if (a === '--keep-cache=no' || a === '--no-cache') keepCache = false;
    else if (a === '--help' || a === '-h') {
      console.log(`npm run bench [-- ${ALL.join(' ')}] [--runs N] [--profile] [--no-cache]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  for (const id of ids) if (!ALL.includes(id)) throw new Error(`unknown benchmark ${id}; known: ${ALL.join(' ')}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
  return { ids: ids.size > 0 ? ids : new Set(ALL), runs, profile, keepCache };
}

/** Which code was measured: the commit and how many files differ from it (uncommitted work). */
function codeVersion(): { commit: string; changedFiles: number | null } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return { commit: process.env.MODELSHELF_BENCH_COMMIT ?? 'unknown (not a git checkout)', changedFiles: null };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { commit: head.stdout.trim(), changedFiles: status.stdout.split('\n').filter(Boolean).length };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'modelshelf-bench-'));
  const cacheDir = path.join(os.tmpdir(), 'modelshelf-bench-cache');
  mkdirSync(cacheDir, { recursive: true });
  const started = Date.now();
  const ctx: BenchContext = {
    runs: opts.runs,
    workDir,
    cacheDir,
    profileDir: opts.profile ? path.join(resultsDir, 'profiles') : null,
    log: (m) => console.log(m),
  };
  const env = {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavgStart: loadavg(),
    code: codeVersion(),
  };
  console.log(`Modelshelf bench: ${[...opts.ids].join(' ')}; ${opts.runs} runs each; load ${env.loadavgStart.join(' ')} on ${env.cpus}`);
  const results: BenchResult[] = [];
  try {
    for (const g of GROUPS) {
      const want = new Set(g.ids.filter((id) => opts.ids.has(id)));
      if (want.size === 0) continue;
      console.log(`\n== ${[...want].join(', ')}: ${g.title}`);
      const t0 = Date.now();
      try {
        const rs = await g.run(ctx, want);
        for (const r of rs) r.durationMs ??= Date.now() - t0;
        results.push(...rs);
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        console.error(message);
        for (const id of want) {
          results.push({ id, title: g.title, measure: null, target: '', status: 'error', note: message.split('\n')[0]!, durationMs: Date.now() - t0, load: { start: loadavg(), end: loadavg() } });
        }
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    if (!opts.keepCache) rmSync(cacheDir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.id.localeCompare(b.id));
  const report = {
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    env: { ...env, loadavgEnd: loadavg() },
    results,
  };
  const file = path.join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${markdownTable(results)}\n`);
  console.log(`load average (1/5/15 min): start ${env.loadavgStart.join(' ')}, end ${report.env.loadavgEnd.join(' ')}; ${report.durationS} s in all`);
  console.log(`JSON: ${path.relative(process.cwd(), file)}`);
  if (results.some((r) => r.status === 'error')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
