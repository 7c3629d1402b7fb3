// The two sidecar bugs the fuzzer found, as fixed inputs (run in a child process with a time limit:
// the parse is synchronous, so a blow-up would otherwise block the test runner itself).
// Before the fix, 400 bytes of '{' in an hparams.yaml / meta.yaml / MLmodel / card front matter took
// ~44 s (600 bytes: hours), and `&c [1, [2, *c]]` returned data that contains itself.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForNode } from '../bundle';

const CASES: Array<{ kind: string; text: string; what: string }> = [
  { kind: 'hparams', text: '{'.repeat(400), what: "400 '{'" },
  { kind: 'hparams', text: `lr: 0.001\nbackbone: cnn\n${'{'.repeat(1000)}`, what: "1000 '{' after real keys" },
  { kind: 'mlflow-model-meta', text: `name: churn\n${'{'.repeat(600)}`, what: "600 '{' in meta.yaml" },
  { kind: 'mlflow-mlmodel', text: `flavors: ${'{'.repeat(600)}`, what: "600 '{' in MLmodel" },
  { kind: 'model-card', text: `---\nlicense: mit\ntags: ${'{'.repeat(600)}\n---\n# Card\n`, what: "600 '{' in front matter" },
  { kind: 'model-card', text: '---\ndatasets: &c [1, [2, *c]]\n---\n# Card\n', what: 'an alias cycle in a list' },
  { kind: 'model-card', text: '---\nbase: &b {x: 1}\ntags: &c {<<: *b, self: *c}\n---\n', what: 'an alias cycle through a merge key' },
  { kind: 'mlflow-version-meta', text: 'source: &s [*s]\nversion: 3\n', what: 'a self-containing list' },
];

describe('sidecar YAML: blow-ups and alias cycles', () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-yaml-'));
    bundle = path.join(dir, 'sidecar.cjs');
    await bundleForNode('electron/core/registry/sidecar-files.ts', bundle);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.kind}: ${c.what} is parsed or refused within 2 s, never returned as self-referencing data`, () => {
      const script = `
        const { parseSidecar } = require(${JSON.stringify(bundle)});
        const [kind, text] = JSON.parse(process.argv[1]);
        const t0 = performance.now();
        let outcome;
        try {
          const out = parseSidecar(kind, text);
          try { JSON.stringify(out); outcome = 'parsed'; } catch (e) { outcome = 'self-referencing: ' + e.message.split('\\n')[0]; }
        } catch (e) { outcome = e instanceof Error ? 'refused' : 'threw a non-Error'; }
        console.log(JSON.stringify({ outcome, ms: Math.round(performance.now() - t0) }));`;
      const r = spawnSync(process.execPath, ['-e', script, JSON.stringify([c.kind, c.text])], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
      expect(r.signal, `still parsing after 10 s: ${c.what}`).toBeNull();
      const { outcome, ms } = JSON.parse(r.stdout.trim()) as { outcome: string; ms: number };
      expect(['parsed', 'refused'], c.what).toContain(outcome);
      expect(ms, c.what).toBeLessThan(2000);
    }, 20_000);
  }
});
