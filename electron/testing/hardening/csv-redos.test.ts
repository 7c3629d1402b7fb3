// The CSV/TSV reader's number test backtracks quadratically on a long run of digits that does not end
// like a number: the fuzzer's 40 KB TSV took 8.5 s, synchronously (the engine answers nothing
// meanwhile). Each input runs in a child process with a 10 s kill, through readFormat as the scanner
// calls it.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForNode } from '../bundle';

const CASES: Array<{ name: string; text: string; what: string }> = [
  { name: 'log.tsv', text: `timestamp\tstep\taccuracy\n1790503380000\t9\t0.8250\n${'79'.repeat(20_000)}\u00ff\n`, what: '40,000 digits then a stray byte (the fuzzer’s input, shortened)' },
  { name: 'metrics.csv', text: `epoch,loss\n1,${'1'.repeat(30_000)}x\n2,0.5\n`, what: '30,000 digits then a letter in a CSV cell' },
  { name: 'metrics.csv', text: `epoch,loss\n1,-${'9'.repeat(30_000)}e\n`, what: 'a signed 30,000-digit number with a dangling exponent' },
];

describe('CSV/TSV type inference on long digit runs', () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-csv-'));
    bundle = path.join(dir, 'formats.cjs');
    await bundleForNode('electron/core/formats/index.ts', bundle);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.what}: read within 1 s`, () => {
      const script = `
        const { readFormat, bufferRange } = require(${JSON.stringify(bundle)});
        const [name, text] = JSON.parse(process.argv[1]);
        const t0 = performance.now();
        readFormat(name, bufferRange(new TextEncoder().encode(text))).then((info) =>
          console.log(JSON.stringify({ format: info && info.format, ms: Math.round(performance.now() - t0) })));`;
      const r = spawnSync(process.execPath, ['-e', script, JSON.stringify([c.name, c.text])], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
      expect(r.signal, `still reading after 10 s: ${c.what}`).toBeNull();
      const { format, ms } = JSON.parse(r.stdout.trim()) as { format: string; ms: number };
      expect(format).toBe(c.name.endsWith('.tsv') ? 'tsv' : 'csv');
      expect(ms, c.what).toBeLessThan(1000);
    }, 20_000);
  }
});
