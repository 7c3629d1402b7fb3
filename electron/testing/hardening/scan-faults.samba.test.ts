// Faults during a scan: smbd is SIGKILLed (a NAS losing power) at seeded random points of a rescan
// of a share with a few thousand files. After every fault the catalog passes integrity_check, keeps
// at least the rows of the previous complete scan and marks the source offline; after Samba comes
// back (same port, same share folder) the next scan ends with exactly the rows an uninterrupted scan
// of the same share produces.
//   fast subset: 3 trials (npm test)    full: HARDENING_TRIALS=20 (scripts/hardening/scan-faults.mjs)
// PENDING FIX 1 (scanner: a read error of the source itself is stored as the file's metadata and never
// retried): fails on main when the fault lands in the header reads. Rename to scan-faults.samba.test.ts
// once the fix has landed; until then run it with scripts/hardening/vitest.config.mts.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanProgress, ScanSummary, Source } from '../../../shared/contract';
import { Prng } from '../../core/demo/prng';
import { createEngine } from '../../core/engine';
import type { Engine } from '../../core/engine-api';
import { type SambaServer, startSamba } from '../samba';
import { dumpCatalog, integrity, killSmbd, mutateShare, openReadOnly, type RowCounts, rowCounts, seedBulkShare, sleep, within } from './helpers';

const TRIALS = Number(process.env.HARDENING_TRIALS ?? 3);
const SEED = Number(process.env.HARDENING_SEED ?? 20261122);
const FILES = Number(process.env.HARDENING_FILES ?? 3000);
const SCAN_BOUND_MS = 90_000;

async function scanOnce(engine: Engine, id: number): Promise<{ ok: true; summary: ScanSummary } | { ok: false; code: string; message: string }> {
  const r = await within(SCAN_BOUND_MS, 'scan', engine.call('sources.scan', { id }));
  if (r.ok) return { ok: true, summary: r.value as ScanSummary };
  return { ok: false, code: r.error.code, message: r.error.message };
}

/** A catalog of the share as it is now, from a clean engine that nothing interrupted. */
async function referenceDump(samba: SambaServer): Promise<{ dump: ReturnType<typeof dumpCatalog>; ms: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-ref-'));
  const engine = await createEngine({ dataDir: dir });
  try {
    const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password });
    if (!added.ok) throw new Error(`reference add failed: ${added.error.message}`);
    const t0 = performance.now();
    const r = await scanOnce(engine, (added as { value: Source }).value.id);
    if (!r.ok) throw new Error(`reference scan failed: ${r.message}`);
    const ms = performance.now() - t0;
    const db = openReadOnly(dir);
    try {
      return { dump: dumpCatalog(db), ms };
    } finally {
      db.close();
    }
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe(`smbd killed mid-scan (${TRIALS} trials, seed ${SEED})`, () => {
  let samba: SambaServer;
  let dataDir: string;
  let engine: Engine;
  let sourceId: number;
  const figures = { trials: 0, faultsMidScan: 0, faultsAfterScan: 0, phases: {} as Record<string, number> };

  beforeAll(async () => {
    samba = await startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await seedBulkShare(dir, FILES)) }] });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-faults-'));
    engine = await createEngine({ dataDir });
  });

  afterAll(async () => {
    await engine?.close();
    await samba?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    console.log(`scan faults: ${JSON.stringify(figures)}`);
  });

  it(
    'every fault leaves a sound, non-empty, offline catalog; the scan after recovery equals an uninterrupted one',
    async () => {
      const added = await engine.call('sources.add', { location: samba.url('models'), password: samba.password });
      expect(added.ok, JSON.stringify(added)).toBe(true);
      sourceId = (added as { value: Source }).value.id;
      const first = await scanOnce(engine, sourceId);
      expect(first.ok, JSON.stringify(first)).toBe(true);
      let lastComplete: RowCounts = withDb(dataDir, rowCounts);
      expect(lastComplete.entries).toBeGreaterThanOrEqual(FILES);
      let lastScanMs = 0;

      let phase: ScanProgress['phase'] | 'none' = 'none';
      const off = engine.onEvent((e) => {
        if (e.event === 'scan.progress') phase = (e.payload as ScanProgress).phase;
      });
      const rng = new Prng(SEED);
      try {
        for (let trial = 0; trial < TRIALS; trial++) {
          figures.trials++;
          // The SMB client keeps handles open for up to 1 s after reading, and Samba reports an open
          // file's write time as of its open: changes made on the server's disk meanwhile would be
          // invisible to the reference scan too. Let the handles of the last scan close first.
          await sleep(1500);
          await mutateShare(samba.sharePath('models'), rng, trial);
          // What an uninterrupted scan of this share state stores (also times a full scan).
          const ref = await referenceDump(samba);
          // Where the fault lands: a few ms into the walk; when the walk has seen a random share of
          // the files (header reads run alongside the walk, so this also lands in reads); a few ms
          // into the reads left after the walk; or at a random time within the last complete scan.
          const budget = lastScanMs > 0 ? lastScanMs : ref.ms;
          const r = rng.next();
          const trigger: ScanProgress['phase'] | 'files' | 'time' = r < 0.3 ? 'listing' : r < 0.75 ? 'files' : r < 0.9 ? 'reading' : 'time';
          const filesAt = Math.round(FILES * (0.05 + 0.55 * rng.next()));
          const killAfter =
            trigger === 'time' ? Math.round(budget * (0.02 + 0.9 * rng.next())) : trigger === 'listing' ? Math.round(30 * rng.next()) : Math.round(5 * rng.next());

          phase = 'none';
          let armed: () => void = () => {};
          const triggered = new Promise<void>((resolve) => {
            armed = resolve;
          });
          const offTrigger = engine.onEvent((e) => {
            if (e.event !== 'scan.progress') return;
            const p = e.payload as ScanProgress;
            if (trigger === 'files' ? p.files >= filesAt : p.phase === trigger) armed();
          });
          const t0 = performance.now();
          if (trigger === 'time') armed();
          const scanning = scanOnce(engine, sourceId);
          let killedAt = -1;
          let killedIn: string = 'none';
          const killer = (async () => {
            await Promise.race([triggered, scanning]);
            await sleep(killAfter);
            killedAt = performance.now() - t0;
            killedIn = phase;
            killSmbd(samba.root);
          })();
          const result = await scanning;
          await killer;
          offTrigger();
          const scanMs = performance.now() - t0;
          const label = `trial ${trial} (${trigger === 'files' ? `${filesAt} files` : trigger} + ${killAfter} ms: killed at ${Math.round(killedAt)} ms while ${killedIn}, scan ended at ${Math.round(scanMs)} ms)`;

          const db = openReadOnly(dataDir);
          try {
            expect(integrity(db), label).toBe('ok');
            const counts = rowCounts(db);
            const last = db.prepare('SELECT status, error FROM scan ORDER BY id DESC LIMIT 1').get() as { status: string; error: string | null };
            if (result.ok) {
              // The scan finished before the fault reached it: a complete scan, the new floor.
              figures.faultsAfterScan++;
              console.log(`${label}: the scan finished first`);
              expect(last.status, label).toBe('done');
              lastComplete = counts;
            } else {
              figures.faultsMidScan++;
              figures.phases[killedIn] = (figures.phases[killedIn] ?? 0) + 1;
              expect(result.code, `${label}: ${result.message}`).toBe('UNREACHABLE');
              expect(last.status, label).toBe('failed');
              expect(counts.entries, label).toBeGreaterThanOrEqual(lastComplete.entries);
              expect(counts.items, label).toBeGreaterThanOrEqual(lastComplete.items);
              expect(counts.versions, label).toBeGreaterThanOrEqual(lastComplete.versions);
              const src = ((await engine.call('sources.list', {})) as { ok: true; value: Source[] }).value[0];
              expect(src?.status, label).toBe('offline');
              expect(src?.lastError, label).toMatch(/\S/);
              expect(killedAt, label).toBeGreaterThanOrEqual(0);
            }
          } finally {
            db.close();
          }

          // The NAS comes back on the same port with the same folder.
          await samba.down();
          await samba.up();
          const t1 = performance.now();
          const again = await scanOnce(engine, sourceId);
          expect(again.ok, `${label}: recovery scan ${JSON.stringify(again)}`).toBe(true);
          lastScanMs = performance.now() - t1;
          const db2 = openReadOnly(dataDir);
          try {
            expect(integrity(db2), label).toBe('ok');
            const dump = dumpCatalog(db2);
            expect(dump.entries.length, label).toBe(ref.dump.entries.length);
            expect(dump, label).toEqual(ref.dump);
            lastComplete = rowCounts(db2);
          } finally {
            db2.close();
          }
          const src = ((await engine.call('sources.list', {})) as { ok: true; value: Source[] }).value[0];
          expect(src?.status, label).toBe('online');
        }
      } finally {
        off();
      }
      // The fast subset is only worth running if faults actually land mid-scan.
      expect(figures.faultsMidScan).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));
    },
    Math.max(120_000, TRIALS * 60_000),
  );
});

function withDb<T>(dataDir: string, fn: (db: ReturnType<typeof openReadOnly>) => T): T {
  const db = openReadOnly(dataDir);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
