// P8: peak RSS of an engine process indexing a local folder of 1,000,000 files (maxRSS from
// process.resourceUsage() in the child, plus RSS sampled per scan phase to show where the peak is).
// The tree is generated once into the cache folder (tight synchronous loop; the time is reported).
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_TREE_FILES, localTreeReady, writeLocalTree } from '../data/local-tree';
import type { BenchContext } from '../lib/context';
import { summarizeProfile } from '../lib/profile';
import { CHILD, runChild } from '../lib/proc';
import { type BenchResult, loadavg } from '../lib/report';
import { round } from '../lib/stats';

interface LocalOut {
  baseRssMB: number;
  maxRssMB: number;
  /** Peak RSS while each scan phase or Catalog method was running (sampled from a worker thread). */
  peakRssByStepMB: Record<string, number>;
  run: {
    ms: number;
    phases: { listingMs: number; readingMs: number; groupingMs: number };
    summary: { files: number; folders: number; filesRead: number; models: number; datasets: number };
    catalogMs: Record<string, { calls: number; ms: number }>;
    cpuUserMs: number;
    cpuSystemMs: number;
  };
}

export async function benchRss(ctx: BenchContext): Promise<BenchResult[]> {
  const load0 = loadavg();
  const root = path.join(ctx.cacheDir, 'tree-1m');
  let generation: Record<string, unknown> = { cached: true };
  if (!localTreeReady(root)) {
    ctx.log(`writing ${LOCAL_TREE_FILES.toLocaleString('en-US')} files into ${root} …`);
    const g = writeLocalTree(root, (n) => {
      if (n % 100_000 < 10_000) ctx.log(`  ${n.toLocaleString('en-US')} files`);
    });
    generation = { cached: false, files: g.files, folders: g.folders, seconds: round(g.ms / 1000, 1), filesPerSecond: Math.round(g.files / (g.ms / 1000)) };
    ctx.log(`  done in ${generation.seconds} s (${generation.filesPerSecond} files/s)`);
  } else ctx.log(`using the cached 1M-file tree in ${root}`);
  const profileDir = ctx.profileDir ? path.join(ctx.profileDir, 'P8') : undefined;
  const samples: LocalOut[] = [];
  // One run: maxRSS barely moves between runs (unlike times), and a run takes minutes.
  const runs = 1;
  for (let i = 0; i < runs; i++) {
    const { result, wallMs } = await runChild<LocalOut>(
      'local-index',
      { root, dataDir: mkdtempSync(path.join(ctx.workDir, 'p8-data-')), ...(profileDir && i === 0 ? { profileDir } : {}) },
      { timeoutMs: 30 * 60_000 },
    );
    samples.push(result);
    ctx.log(`  run ${i + 1}/${runs}: maxRSS ${round(result.maxRssMB, 0)} MB, scan ${round(result.run.ms / 1000, 1)} s (child ${round(wallMs / 1000, 1)} s), peak by step ${JSON.stringify(result.peakRssByStepMB)} (load ${loadavg()[0]})`);
  }
  const peak = Math.max(...samples.map((s) => s.maxRssMB));
  const s0 = samples[0]!;
  return [
    {
      id: 'P8',
      title: 'engine peak RSS indexing 1M files (local folder)',
      measure: { value: round(peak, 0), unit: 'MB', label: runs === 1 ? 'child maxRSS (process.resourceUsage), 1 run' : `child maxRSS (process.resourceUsage), worst of ${runs}`, samples: samples.map((s) => round(s.maxRssMB, 0)) },
      reference: null,
      ratio: null,
      target: '< 500 MB',
      status: peak < 500 ? 'pass' : 'miss',
      note: `peak RSS while ${Object.entries(s0.peakRssByStepMB).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${v} MB`).join(', ')}; scan ${round(s0.run.ms / 1000, 1)} s (walk ${round(s0.run.phases.listingMs / 1000, 1)} s, grouping ${round(s0.run.phases.groupingMs / 1000, 1)} s); ${s0.run.summary.files} files`,
      details: {
        generation,
        runs: samples,
        ...(profileDir ? { profile: summarizeProfile(path.join(profileDir, 'local-index.cpuprofile'), CHILD), profileDir } : {}),
      },
      load: { start: load0, end: loadavg() },
    },
  ];
}
