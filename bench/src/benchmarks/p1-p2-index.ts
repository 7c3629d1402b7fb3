// P1: cold index of a 20,000-file / 2,000-folder share through the engine (sources.add +
// sources.scan, catalog written), against `smbclient -c 'recurse; ls'` on the same share.
// P2: a rescan with nothing changed, against P1 of the same run.
// Runs alternate reference and engine (ABBA order) so both see the same background load.
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { TREE_FILES, TREE_FOLDERS, type TreeStats, writeShareTree } from '../data/share-tree';
import type { BenchContext } from '../lib/context';
import { summarizeProfile } from '../lib/profile';
import { CHILD, runChild, timeCommand } from '../lib/proc';
import { type BenchResult, loadavg } from '../lib/report';
import { startBenchSamba } from '../lib/samba-env';
import { median, round } from '../lib/stats';

interface ScanRun {
  ms: number;
  phases: { listingMs: number; readingMs: number; groupingMs: number };
  summary: { files: number; folders: number; filesRead: number; bytesRead: number; models: number; datasets: number; skipped: unknown[] };
  smb: { requests: number; roundTrips: number };
  catalogMs: Record<string, { calls: number; ms: number }>;
  eventLoopDelayMaxMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssMB: number;
}
interface IndexResult {
  addMs: number;
  cold: ScanRun;
  rescans: ScanRun[];
  maxRssMB: number;
}

function medianBy<T>(xs: T[], f: (x: T) => number): number {
  return round(median(xs.map(f)), 0);
}

function digest(runs: ScanRun[]): Record<string, unknown> {
  const catalogKeys = new Set(runs.flatMap((r) => Object.keys(r.catalogMs)));
  return {
    scanMs: medianBy(runs, (r) => r.ms),
    phasesMs: {
      listing: medianBy(runs, (r) => r.phases.listingMs),
      reading: medianBy(runs, (r) => r.phases.readingMs),
      grouping: medianBy(runs, (r) => r.phases.groupingMs),
    },
    cpuMs: { user: medianBy(runs, (r) => r.cpuUserMs), system: medianBy(runs, (r) => r.cpuSystemMs) },
    smb: { requests: medianBy(runs, (r) => r.smb.requests), roundTrips: medianBy(runs, (r) => r.smb.roundTrips) },
    catalogMs: Object.fromEntries(
      [...catalogKeys]
        .map((k) => [k, { calls: medianBy(runs, (r) => r.catalogMs[k]?.calls ?? 0), ms: medianBy(runs, (r) => r.catalogMs[k]?.ms ?? 0) }] as const)
        .sort((a, b) => b[1].ms - a[1].ms),
    ),
    eventLoopDelayMaxMs: medianBy(runs, (r) => r.eventLoopDelayMaxMs),
    peakRssMB: medianBy(runs, (r) => r.peakRssMB),
    summary: runs[0]?.summary,
  };
}

export async function benchIndex(ctx: BenchContext, which: Set<string>): Promise<BenchResult[]> {
  const load0 = loadavg();
  let tree: TreeStats | undefined;
  const env = await startBenchSamba({
    shares: [
      {
        name: 'models',
        seed: async (dir) => {
          tree = await writeShareTree(dir);
        },
      },
    ],
  });
  try {
    ctx.log(`share: ${tree?.files} files / ${tree?.folders} folders (${tree?.demoCopies} demo library copies, ${tree?.demoFiles} of their files) written in ${round((tree?.ms ?? 0) / 1000, 1)} s`);
    const refArgs = [...env.smbclientArgs('models'), '-c', 'recurse; ls'];
    const engineRun = (profileDir?: string) =>
      runChild<IndexResult>('index', {
        dataDir: mkdtempSync(path.join(ctx.workDir, 'p1-data-')),
        location: env.server.url('models'),
        password: env.server.password,
        rescans: 1,
        ...(profileDir ? { profileDir } : {}),
      });
    // Warm-up (not measured): server dentry/inode caches, smbd's first fork, Node's code cache.
    const warmRef = await timeCommand(env.smbclient, refArgs);
    await engineRun();
    // Decomposition (not the reference): our SMB client alone listing the share, no catalog.
    const walkArgs = { host: '127.0.0.1', port: env.server.port, user: env.server.user, password: env.server.password, share: 'models' };
    await runChild('walk', walkArgs);
    const listingOnly: number[] = [];
    const ref: number[] = [];
    const refSmbdCpu: number[] = [];
    const ours: IndexResult[] = [];
    const oursSmbdCpu: number[] = [];
    const measureRef = async () => {
      const c0 = env.smbdCpuMs();
      ref.push((await timeCommand(env.smbclient, refArgs)).ms);
      refSmbdCpu.push(env.smbdCpuMs() - c0);
    };
    for (let i = 0; i < ctx.runs; i++) {
      const refFirst = i % 2 === 0;
      if (refFirst) await measureRef();
      const c0 = env.smbdCpuMs();
      ours.push((await engineRun()).result);
      oursSmbdCpu.push(env.smbdCpuMs() - c0);
      if (!refFirst) await measureRef();
      listingOnly.push((await runChild<{ ms: number }>('walk', walkArgs)).result.ms);
      ctx.log(`  run ${i + 1}/${ctx.runs}: smbclient ${round(ref[i]!, 0)} ms, engine cold ${round(ours[i]!.addMs + ours[i]!.cold.ms, 0)} ms, rescan ${round(ours[i]!.rescans[0]!.ms, 0)} ms (load ${loadavg()[0]})`);
    }
    let profile: Record<string, unknown> | undefined;
    if (ctx.profileDir) {
      const dir = path.join(ctx.profileDir, 'P1');
      await engineRun(dir);
      profile = {
        dir,
        cold: summarizeProfile(path.join(dir, 'cold.cpuprofile'), CHILD),
        rescan: summarizeProfile(path.join(dir, 'rescan-1.cpuprofile'), CHILD),
      };
    }
    const load1 = loadavg();
    const cold = ours.map((r) => r.addMs + r.cold.ms);
    const rescan = ours.map((r) => r.rescans[0]!.ms);
    const refMed = median(ref);
    const coldMed = median(cold);
    const rescanMed = median(rescan);
    const p1Ratio = coldMed / refMed;
    const p2Ratio = rescanMed / coldMed;
    const common = {
      share: { files: TREE_FILES, folders: TREE_FOLDERS, demoCopies: tree?.demoCopies, demoFiles: tree?.demoFiles, logicalBytes: tree?.logicalBytes },
      smbclientListingLines: warmRef.stdoutLines,
      clientListingOnlyMs: { median: round(median(listingOnly), 0), samples: listingOnly.map((x) => round(x, 0)), ratioToSmbclient: round(median(listingOnly) / median(ref), 3) },
      smbdCpuMs: { duringSmbclient: round(median(refSmbdCpu), 0), duringEngineColdPlusRescan: round(median(oursSmbdCpu), 0) },
      engineSmb: 'own SMB client, signed session (SMB 3.1.1, AES-GMAC when negotiated); smbclient with its defaults (signing only if required)',
    };
    const out: BenchResult[] = [];
    if (which.has('P1')) {
      out.push({
        id: 'P1',
        title: 'cold index of a 20,000-file / 2,000-folder share',
        measure: { value: round(coldMed, 1), unit: 'ms', label: `engine sources.add + sources.scan, cold, median of ${ctx.runs}`, samples: cold.map((x) => round(x, 1)) },
        reference: { value: round(refMed, 1), unit: 'ms', label: "smbclient -c 'recurse; ls'", samples: ref.map((x) => round(x, 1)) },
        ratio: round(p1Ratio, 3),
        target: 'ratio ≤ 0.5',
        status: p1Ratio <= 0.5 ? 'pass' : 'miss',
        note: `walk ${medianBy(ours, (r) => r.cold.phases.listingMs)} ms (client listing alone ${round(median(listingOnly), 0)} ms = ${round(median(listingOnly) / refMed, 2)}× smbclient), header reads ${medianBy(ours, (r) => r.cold.phases.readingMs)} ms (${ours[0]?.cold.summary.filesRead} files), grouping ${medianBy(ours, (r) => r.cold.phases.groupingMs)} ms; ${medianBy(ours, (r) => r.cold.smb.roundTrips)} SMB round trips, ${round(median(ours.map((r) => r.cold.summary.bytesRead)) / 1e6, 1)} MB read`,
        details: { ...common, pairedRatios: cold.map((c, i) => round(c / ref[i]!, 3)), addMs: medianBy(ours, (r) => r.addMs), cold: digest(ours.map((r) => r.cold)), childMaxRssMB: medianBy(ours, (r) => r.maxRssMB), ...(profile ? { profile: profile.cold, profileDir: profile.dir } : {}) },
        load: { start: load0, end: load1 },
      });
    }
    if (which.has('P2')) {
      out.push({
        id: 'P2',
        title: 'rescan with nothing changed',
        measure: { value: round(rescanMed, 1), unit: 'ms', label: `engine sources.scan, nothing changed, median of ${ctx.runs}`, samples: rescan.map((x) => round(x, 1)) },
        reference: { value: round(coldMed, 1), unit: 'ms', label: 'P1 of this run' },
        ratio: round(p2Ratio, 3),
        target: '≤ 0.3 × P1',
        status: p2Ratio <= 0.3 ? 'pass' : 'miss',
        note: `walk ${medianBy(ours, (r) => r.rescans[0]!.phases.listingMs)} ms, reads ${medianBy(ours, (r) => r.rescans[0]!.phases.readingMs)} ms (${ours[0]?.rescans[0]?.summary.filesRead} files), grouping ${medianBy(ours, (r) => r.rescans[0]!.phases.groupingMs)} ms; ${medianBy(ours, (r) => r.rescans[0]!.smb.roundTrips)} SMB round trips; vs smbclient ${round(rescanMed / refMed, 2)}×`,
        details: { ...common, rescan: digest(ours.map((r) => r.rescans[0]!)), ...(profile ? { profile: profile.rescan, profileDir: profile.dir } : {}) },
        load: { start: load0, end: load1 },
      });
    }
    return out;
  } finally {
    await env.stop();
  }
}
