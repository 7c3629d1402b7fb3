// The fuzz test body shared by fuzz.test.ts (format and run readers) and fuzz-sidecars.*.ts (sidecar
// parsers): bundles the worker, writes the demo corpus, runs the chosen targets, asserts 0 failures.
//   up to FUZZ_PER_TARGET (2000) inputs per target within FUZZ_BUDGET_S for the file, split evenly; on
//   a busy 2-core machine the slower readers (YAML, run folders) get fewer, at least FUZZ_MIN (50).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForNode } from '../../bundle';
import { runFuzz, type TargetReport, targetNames, writeCorpus } from './driver';

export function fuzzSuite(title: string, groups: Array<'format' | 'sidecar' | 'run'>, minTargets: number, budgetS: number): void {
  const PER_TARGET = Number(process.env.FUZZ_PER_TARGET ?? 2000);
  const SEED = Number(process.env.FUZZ_SEED ?? 1);
  const BUDGET_S = Number(process.env.FUZZ_BUDGET_S ?? budgetS);
  const MIN_INPUTS = Math.min(PER_TARGET, Number(process.env.FUZZ_MIN ?? 50));

  describe(`${title} (up to ${PER_TARGET} inputs per target, seed ${SEED})`, () => {
    let dir: string;
    let workerFile: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-fuzz-'));
      workerFile = path.join(dir, 'worker.cjs');
      await Promise.all([
        bundleForNode('electron/testing/hardening/fuzz/worker.ts', workerFile),
        writeCorpus(path.join(dir, 'demo')),
      ]);
    });

    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('no reader throws, runs over 1 s (+4 s per MiB of input), runs out of heap or returns non-JSON', async () => {
      const demoDir = path.join(dir, 'demo');
      const names = (await targetNames(demoDir)).filter((n) => groups.some((g) => (g === 'format' ? !n.includes(':') : n.startsWith(`${g}:`))));
      expect(names.length).toBeGreaterThanOrEqual(minTargets);
      const lines: string[] = [];
      const reports: TargetReport[] = await runFuzz({
        workerFile,
        demoDir,
        perTarget: PER_TARGET,
        seed: SEED,
        hangMs: 1000,
        heapMb: 256,
        targets: names,
        targetBudgetMs: (BUDGET_S * 1000) / names.length,
        minInputs: MIN_INPUTS,
        log: (l) => lines.push(l),
      });
      const total = reports.reduce((n, r) => n + r.inputs, 0);
      console.log(`${lines.join('\n')}\nfuzzed ${total} inputs over ${reports.length} targets`);
      const failures = reports.flatMap((r) => r.failures);
      expect(failures.slice(0, 30).map((f) => `${f.target} #${f.index} [${f.kind}] ${f.message.split('\n')[0]}`)).toEqual([]);
      expect(reports.map((r) => r.target)).toEqual(names);
      for (const r of reports) {
        expect(r.inputs, r.target).toBeGreaterThanOrEqual(MIN_INPUTS);
        expect(r.maxHeapMb, r.target).toBeLessThan(256);
      }
    }, 300_000);
  });
}
