// Engine crash: `modelshelf scan` (the CLI, bundled fresh from the work tree by esbuild) runs in a
// child process against real Samba and is SIGKILLed at seeded random points of its batches (rows
// written so far: listed entries plus headers read). Each time the catalog reopens, passes
// integrity_check, the interrupted scan row is marked failed by the next start, and a new scan
// completes with exactly the rows of a clean, uninterrupted one.
//   fast subset: 3 trials (npm test)    full: HARDENING_TRIALS=20 (scripts/hardening/engine-crash.mjs)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanSummary } from '../../../shared/contract';
import { openCatalogDb } from '../../core/catalog/open';
import { Prng } from '../../core/demo/prng';
import { type SambaServer, startSamba } from '../samba';
import { bundleCli, cliEnv, dumpCatalog, integrity, openReadOnly, runCli, seedBulkShare, sleep, startCli } from './helpers';

const TRIALS = Number(process.env.HARDENING_TRIALS ?? 3);
const SEED = Number(process.env.HARDENING_SEED ?? 20261123);
const FILES = Number(process.env.HARDENING_FILES ?? 2500);

describe(`engine SIGKILLed mid-scan (${TRIALS} trials, seed ${SEED})`, () => {
  let samba: SambaServer;
  let work: string;
  let cli: string;
  let reference: ReturnType<typeof dumpCatalog>;
  let progressTotal = 0;
  const figures = { trials: 0, killedMidScan: 0, finishedBeforeKill: 0, killPoints: [] as number[] };

  const env = () => cliEnv({ MODELSHELF_PASSWORD: samba.password });
  const cliIn = (dataDir: string, args: string[]) => runCli(cli, [...args, '--data-dir', dataDir], env(), 90_000);

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-crash-'));
    [samba, cli] = await Promise.all([
      startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await seedBulkShare(dir, FILES)) }] }),
      bundleCli(path.join(work, 'bin')),
    ]);
    const refDir = path.join(work, 'reference');
    expect((await cliIn(refDir, ['add', samba.url('models')])).code).toBe(0);
    const scan = await cliIn(refDir, ['scan', '1', '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    expect((JSON.parse(scan.stdout) as ScanSummary).files).toBeGreaterThanOrEqual(FILES);
    const db = openReadOnly(refDir);
    try {
      reference = dumpCatalog(db);
      progressTotal = (db.prepare(`SELECT COUNT(*) + SUM(read_state = 'done') AS n FROM entry`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  });

  afterAll(async () => {
    await samba?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    console.log(`engine crash: ${JSON.stringify(figures)}`);
  });

  it(
    'a catalog whose writer was killed mid-batch reopens sound, and the next scan completes to the clean rows',
    async () => {
      const rng = new Prng(SEED);
      for (let trial = 0; trial < TRIALS; trial++) {
        figures.trials++;
        const dataDir = path.join(work, `trial-${trial}`);
        const added = await cliIn(dataDir, ['add', samba.url('models')]);
        expect(added.code, added.stderr).toBe(0);

        // Kill when the rows written so far (entries listed + headers read) pass a random point.
        const killPoint = 1 + Math.floor(rng.next() * (progressTotal - 1));
        const extraMs = Math.floor(rng.next() * 20);
        const run = startCli(cli, ['scan', '1', '--data-dir', dataDir], env());
        const watcher = openReadOnly(dataDir);
        let progress = 0;
        let killed = false;
        try {
          const count = watcher.prepare(`SELECT COUNT(*) + COALESCE(SUM(read_state = 'done'), 0) AS n FROM entry`);
          const deadline = Date.now() + 90_000;
          while (run.child.exitCode === null && run.child.signalCode === null && Date.now() < deadline) {
            progress = (count.get() as { n: number }).n;
            if (progress >= killPoint) {
              await sleep(extraMs);
              killed = run.child.kill('SIGKILL');
              break;
            }
            await sleep(5);
          }
        } finally {
          watcher.close();
        }
        const ended = await run.exited;
        const label = `trial ${trial} (kill point ${killPoint}/${progressTotal} + ${extraMs} ms, saw ${progress})`;
        if (ended.signal === 'SIGKILL') {
          figures.killedMidScan++;
          figures.killPoints.push(killPoint);
        } else {
          expect(killed, label).toBe(false);
          expect(ended.code, `${label}: ${ended.stderr}`).toBe(0);
          figures.finishedBeforeKill++;
        }

        // The catalog the killed process left reopens (WAL recovery + migrations) and is sound.
        const db = openCatalogDb(dataDir);
        try {
          expect(integrity(db), label).toBe('ok');
          expect(db.pragma('foreign_key_check'), label).toEqual([]);
        } finally {
          db.close();
        }

        // The next start marks the scan it finds 'running' as failed, and a new scan completes.
        const listed = await cliIn(dataDir, ['sources', '--json']);
        expect(listed.code, `${label}: ${listed.stderr}`).toBe(0);
        const after = openReadOnly(dataDir);
        try {
          const scans = after.prepare('SELECT status, error FROM scan ORDER BY id').all() as Array<{ status: string; error: string | null }>;
          expect(scans.filter((s) => s.status === 'running'), label).toEqual([]);
          if (ended.signal === 'SIGKILL') expect(scans[scans.length - 1], label).toEqual({ status: 'failed', error: 'interrupted' });
        } finally {
          after.close();
        }
        const again = await cliIn(dataDir, ['scan', '1', '--json']);
        expect(again.code, `${label}: ${again.stderr}`).toBe(0);
        const db2 = openReadOnly(dataDir);
        try {
          expect(integrity(db2), label).toBe('ok');
          expect(dumpCatalog(db2), label).toEqual(reference);
        } finally {
          db2.close();
        }
        await rm(dataDir, { recursive: true, force: true });
      }
      expect(figures.killedMidScan, JSON.stringify(figures)).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 2));
    },
    Math.max(120_000, TRIALS * 45_000),
  );
});
