// P3: copy a 1 GiB file from the share to local disk, sha256-verified, against `smbclient get` of
// the same file. Through the engine's export.version when the contract has it (and its input shape
// is one the bench knows); otherwise through the SMB client: share.stream when the client has it,
// else share.read in 64 MiB segments, two in flight; written with async positioned writes and
// hashed on the way. The report says which was measured.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeBigFile } from '../data/big-file';
import type { BenchContext } from '../lib/context';
import { summarizeProfile } from '../lib/profile';
import { CHILD, runChild, timeCommand } from '../lib/proc';
import { type BenchResult, loadavg } from '../lib/report';
import { startBenchSamba } from '../lib/samba-env';
import { GiB, MiB, median, round } from '../lib/stats';

const FILE = 'models/big-model/model.safetensors';
const DEST_KEYS = ['destination', 'dest', 'destDir', 'targetDir', 'to', 'folder', 'path'];

interface CopyResult {
  ms: number;
  connectMs: number;
  size: number;
  sha256: string | null;
  hashMs: number;
  writeMs: number;
  counters: { requests: number; roundTrips: number; bytesRead: number };
  api: string;
  dialect: string;
  signing: string | null;
}

/** The copy of `name` inside an export's output (a folder, searched depth-first). */
function findFile(root: string, name: string): string | null {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) return path.basename(root) === name ? root : null;
  for (const d of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, d.name);
    if (d.isDirectory()) {
      const hit = findFile(full, name);
      if (hit) return hit;
    } else if (d.name === name) return full;
  }
  return null;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file, { highWaterMark: 4 * MiB })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export async function benchCopy(ctx: BenchContext): Promise<BenchResult[]> {
  const load0 = loadavg();
  let expected = '';
  const size = GiB;
  const env = await startBenchSamba({
    shares: [
      {
        name: 'big',
        seed: async (dir) => {
          mkdirSync(path.join(dir, path.dirname(FILE)), { recursive: true });
          const r = writeBigFile(path.join(dir, FILE), size);
          expected = r.sha256;
          ctx.log(`1 GiB file written in ${round(r.ms / 1000, 1)} s`);
        },
      },
    ],
  });
  try {
    const dest = mkdtempSync(path.join(ctx.workDir, 'p3-'));
    const refOut = path.join(dest, 'smbclient.bin');
    const oursOut = path.join(dest, 'engine.bin');
    const getCommand = ['-c', `get ${FILE.replace(/\//g, '\\')} ${refOut}`];
    const refArgs = [...env.smbclientArgs('big'), ...getCommand];
    // The same get over a signed session, the protection the engine's session always has
    // (smbclient signs only when the server requires it; this Samba does not).
    const signedArgs = [...env.smbclientArgs('big'), '--client-protection=sign', ...getCommand];
    const base = { host: '127.0.0.1', port: env.server.port, user: env.server.user, password: env.server.password, share: 'big', path: FILE };

    const shape = (await runChild<{ available: boolean; keys: string[] }>('export-shape', {})).result;
    let profileDir = ctx.profileDir ? path.join(ctx.profileDir, 'P3', 'export') : undefined;
    const exportProfile = profileDir ? path.join(profileDir, 'export.cpuprofile') : null;
    const destKey = shape.keys.find((k) => DEST_KEYS.includes(k));
    let method: string;
    let engineCopy: () => Promise<{ ms: number; sha256: string | null; detail: unknown }>;
    if (shape.available && shape.keys.includes('versionId') && destKey) {
      method = `engine export.version (input keys: ${shape.keys.join(', ')})`;
      engineCopy = async () => {
        const out = mkdtempSync(path.join(dest, 'export-'));
        const smbd0 = env.smbdCpuMs();
        const r = await runChild<{ ms: number; output: { path?: string }; phaseMs: Record<string, number>; cpuMs: number }>('export-version', {
          dataDir: mkdtempSync(path.join(ctx.workDir, 'p3-data-')),
          location: env.server.url('big'),
          password: env.server.password,
          file: FILE,
          destKey,
          destDir: out,
          ...(profileDir ? { profileDir } : {}),
        });
        profileDir = undefined; // only the first run is profiled
        const file = findFile(r.result.output.path ?? out, path.basename(FILE));
        const sha = file ? await sha256File(file) : null;
        rmSync(out, { recursive: true, force: true });
        const smbdCpuMs = env.smbdCpuMs() - smbd0;
        return { ms: r.result.ms, sha256: sha, detail: { ...r.result.output, phaseMs: r.result.phaseMs, cpuMs: r.result.cpuMs, smbdCpuMs } };
      };
    } else {
      const probe = (await runChild<CopyResult>('copy', { ...base, hash: false })).result;
      method = shape.available
        ? `SMB client ${probe.api} + async write + sha256 (export.version exists but takes {${shape.keys.join(', ')}}, a shape the bench does not know)`
        : `SMB client ${probe.api} + async write + inline sha256 (no export.version in METHOD_NAMES)`;
      engineCopy = async () => {
        const r = await runChild<CopyResult>('copy', { ...base, dest: oursOut });
        rmSync(oursOut, { force: true });
        return { ms: r.result.ms, sha256: r.result.sha256, detail: r.result };
      };
    }
    ctx.log(`  measuring: ${method}`);

    // Warm-up, and a one-off check that both copies are byte-identical to the source.
    await timeCommand(env.smbclient, refArgs);
    const refSha = await sha256File(refOut);
    rmSync(refOut, { force: true });
    const check = await runChild<CopyResult>('copy', { ...base, dest: oursOut });
    const oursDiskSha = await sha256File(oursOut);
    rmSync(oursOut, { force: true });

    const ref: number[] = [];
    const refCpu: Array<{ cpuMs: number; smbdCpuMs: number }> = [];
    const refSync: number[] = [];
    const refSigned: number[] = [];
    const refSignedCpu: Array<{ cpuMs: number; smbdCpuMs: number }> = [];
    const ours: number[] = [];
    const details: unknown[] = [];
    let verified = true;
    for (let i = 0; i < ctx.runs; i++) {
      const refRun = async () => {
        const smbd0 = env.smbdCpuMs();
        const t = await timeCommand(env.smbclient, refArgs);
        ref.push(t.ms);
        refCpu.push({ cpuMs: t.cpuMs, smbdCpuMs: env.smbdCpuMs() - smbd0 });
        if (statSync(refOut).size !== size) throw new Error('smbclient wrote a file of the wrong size');
        // smbclient's copy is still in the page cache; the export's is on disk (it fsyncs before the
        // rename). What it takes to put smbclient's copy on disk too: coreutils' fdatasync of it.
        // (coreutils 8.24 or later; where it fails, the note says n/a)
        refSync.push(await timeCommand('sync', ['-d', refOut]).then((r) => r.ms, () => Number.NaN));
        rmSync(refOut, { force: true });
        const smbdSigned0 = env.smbdCpuMs();
        const signed = await timeCommand(env.smbclient, signedArgs);
        refSigned.push(signed.ms);
        refSignedCpu.push({ cpuMs: signed.cpuMs, smbdCpuMs: env.smbdCpuMs() - smbdSigned0 });
        if (statSync(refOut).size !== size) throw new Error('smbclient (signed) wrote a file of the wrong size');
        rmSync(refOut, { force: true });
      };
      if (i % 2 === 0) await refRun();
      const r = await engineCopy();
      ours.push(r.ms);
      details.push(r.detail);
      if (r.sha256 !== expected) verified = false;
      if (i % 2 === 1) await refRun();
      ctx.log(`  run ${i + 1}/${ctx.runs}: smbclient ${round(ref[i]!, 0)} ms (signed ${round(refSigned[i]!, 0)} ms), engine ${round(r.ms, 0)} ms (${r.sha256 === expected ? 'sha256 ok' : 'SHA256 MISMATCH'}) (load ${loadavg()[0]})`);
    }
    // Where the time goes: the same read without writing, and without hashing.
    const breakdownRuns = Math.min(3, ctx.runs);
    const readOnly: number[] = [];
    const readApiOnly: number[] = [];
    const noHash: number[] = [];
    for (let i = 0; i < breakdownRuns; i++) {
      readOnly.push((await runChild<CopyResult>('copy', { ...base, hash: false })).result.ms);
      readApiOnly.push((await runChild<CopyResult>('copy', { ...base, hash: false, api: 'read' })).result.ms);
      noHash.push((await runChild<CopyResult>('copy', { ...base, dest: oursOut, hash: false })).result.ms);
      rmSync(oursOut, { force: true });
    }
    let profile: unknown;
    if (ctx.profileDir) {
      const dir = path.join(ctx.profileDir, 'P3');
      await runChild<CopyResult>('copy', { ...base, dest: oursOut, profileDir: path.join(dir, 'copy') });
      rmSync(oursOut, { force: true });
      await runChild<CopyResult>('copy', { ...base, hash: false, profileDir: path.join(dir, 'read-only') });
      profile = {
        ...(exportProfile && existsSync(exportProfile) ? { export: summarizeProfile(exportProfile, CHILD) } : {}),
        copy: summarizeProfile(path.join(dir, 'copy', 'copy.cpuprofile'), CHILD),
        readOnly: summarizeProfile(path.join(dir, 'read-only', 'copy.cpuprofile'), CHILD),
      };
    }
    const refMed = median(ref);
    const oursMed = median(ours);
    const ratio = oursMed / refMed;
    const mibps = (ms: number) => round(size / MiB / (ms / 1000), 0);
    const phaseKeys = [...new Set(details.flatMap((d) => Object.keys((d as { phaseMs?: Record<string, number> }).phaseMs ?? {})))];
    const phaseNote = phaseKeys.length
      ? `; export phases ${phaseKeys.map((k) => `${k} ${round(median(details.map((d) => (d as { phaseMs: Record<string, number> }).phaseMs[k] ?? 0)), 0)} ms`).join(', ')}`
      : '';
    const ok = verified && refSha === expected && oursDiskSha === expected;
    const signedMed = median(refSigned);
    const signedNote = `; smbclient get over a signed session, as the engine's is: ${round(signedMed, 0)} ms (engine ${round(oursMed / signedMed, 2)}× that, its read alone ${round(median(readOnly) / signedMed, 2)}×)`;
    const durable = ref.map((r, i) => r + (refSync[i] ?? Number.NaN));
    const durableMed = durable.some(Number.isNaN) ? Number.NaN : median(durable);
    const durableNote = Number.isFinite(durableMed)
      ? `; smbclient get + fdatasync of its copy ${round(durableMed, 0)} ms (engine ${round(oursMed / durableMed, 2)}× that; the export fsyncs before it names the file)`
      : '; smbclient get + fdatasync of its copy: n/a (`sync -d` failed)';
    // CPU (ms): on a loaded 2-core machine the time ratio follows the CPU each side needs.
    const oursCpu = details.map((d) => d as { cpuMs?: number; smbdCpuMs?: number }).filter((d) => d.cpuMs !== undefined);
    const cpuNote = oursCpu.length
      ? `; CPU engine ${round(median(oursCpu.map((d) => d.cpuMs as number)), 0)} ms + smbd ${round(median(oursCpu.map((d) => d.smbdCpuMs ?? 0)), 0)} ms vs smbclient ${round(median(refCpu.map((c) => c.cpuMs)), 0)} ms + smbd ${round(median(refCpu.map((c) => c.smbdCpuMs)), 0)} ms`
      : '';
    return [
      {
        id: 'P3',
        title: 'copy of a 1 GiB file to local disk, sha256-verified',
        measure: { value: round(oursMed, 1), unit: 'ms', label: `${method}, median of ${ctx.runs}`, samples: ours.map((x) => round(x, 1)) },
        reference: { value: round(refMed, 1), unit: 'ms', label: "smbclient -c 'get …'", samples: ref.map((x) => round(x, 1)) },
        ratio: round(ratio, 3),
        target: 'time ratio ≤ 1.0',
        status: !ok ? 'error' : ratio <= 1.0 ? 'pass' : 'miss',
        note: `${mibps(oursMed)} MiB/s vs smbclient ${mibps(refMed)} MiB/s; client read only ${mibps(median(readOnly))} MiB/s (${check.result.api}; share.read segments ${mibps(median(readApiOnly))} MiB/s), read+write ${mibps(median(noHash))} MiB/s${signedNote}${durableNote}${phaseNote}${cpuNote}; sha256 ${ok ? 'verified' : 'MISMATCH'}`,
        details: {
          method,
          expectedSha256: expected,
          smbclientSha256: refSha,
          engineDiskSha256: oursDiskSha,
          readOnlyMs: readOnly.map((x) => round(x, 0)),
          readOnlyWithShareReadMs: readApiOnly.map((x) => round(x, 0)),
          readWriteNoHashMs: noHash.map((x) => round(x, 0)),
          dialect: check.result.dialect,
          signing: check.result.signing,
          roundTrips: check.result.counters.roundTrips,
          hashMs: round(check.result.hashMs, 0),
          writeMs: round(check.result.writeMs, 0),
          pairedRatios: ours.map((o, i) => round(o / ref[i]!, 3)),
          smbclientCpu: refCpu,
          smbclientCopyFdatasyncMs: refSync.map((x) => round(x, 0)),
          smbclientSignedMs: refSigned.map((x) => round(x, 0)),
          smbclientSignedCpu: refSignedCpu,
          runs: details,
          timing: 'engine: connect → last byte written (in the child, Node start-up excluded); smbclient: process start → exit',
          ...(profile ? { profile } : {}),
        },
        load: { start: load0, end: loadavg() },
      },
    ];
  } finally {
    await env.stop();
  }
}
