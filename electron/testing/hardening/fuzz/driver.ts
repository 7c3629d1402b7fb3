// Fuzz driver: runs each target's inputs in a child process under a heap limit, watching a heartbeat
// file. An input still running after `hangMs` (a synchronous loop cannot be interrupted from
// inside) gets the worker terminated, is replayed alone in a fresh worker to tell a real hang from a
// busy machine, and the run goes on from the next input. Out-of-memory and uncaught errors are
// failures of the input that was running. Bounded: every target stops after `perTarget` inputs or
// `targetBudgetMs`, whichever comes first (a budget stop is reported, never silent).
import { fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDemoLibrary } from '../../../core/demo/generate';
import { buildTargets, loadCorpus } from './targets';
import type { WorkerJob, WorkerMessage } from './worker';

export interface FuzzOptions {
  /** The bundled worker (worker.ts built by esbuild to CommonJS). */
  workerFile: string;
  /** A folder holding writeDemoLibrary output (see writeCorpus). */
  demoDir: string;
  perTarget: number;
  /** First input index (to replay a failure: from = its index, perTarget = 1). */
  from?: number;
  seed: number;
  /** An input running longer than this is a hang (after a replay confirms it)... */
  hangMs?: number;
  /** ...plus this much per MiB of input (default 4000: work proportional to a big input is not a hang). */
  perMbMs?: number;
  /** V8 old-generation limit of a worker: more is an out-of-memory failure. */
  heapMb?: number;
  /** Only these targets (names as listed by targetNames). */
  targets?: string[];
  /** Wall-clock budget per target (the first minInputs always run); 0 = none. */
  targetBudgetMs?: number;
  minInputs?: number;
  /** Targets run at once (each in its own worker). */
  parallel?: number;
  log?: (line: string) => void;
}

export interface Failure {
  target: string;
  index: number;
  kind: string;
  message: string;
}

export interface TargetReport {
  target: string;
  group: string;
  inputs: number;
  failures: Failure[];
  /** inputs that ran over hangMs once but finished in time when replayed alone */
  slowNotReproduced: number;
  maxHeapMb: number;
  ms: number;
  notes: Record<string, number>;
  stoppedByBudget: boolean;
}

export async function writeCorpus(dir: string): Promise<void> {
  await writeDemoLibrary(dir);
}

/** The bytes of one input (to save a failing one, or replay it by hand). */
export async function inputOf(demoDir: string, target: string, seed: number, index: number): Promise<Uint8Array> {
  const t = buildTargets(await loadCorpus(demoDir)).find((x) => x.name === target);
  if (!t) throw new Error(`unknown fuzz target ${target}`);
  return t.input(seed, index);
}

export async function targetNames(demoDir: string): Promise<string[]> {
  return buildTargets(await loadCorpus(demoDir)).map((t) => t.name);
}

interface Attempt {
  /** index the worker was at when it stopped, and why */
  stoppedAt: number | null;
  reason: 'done' | 'hang' | 'oom' | 'crash';
  completed: number;
  failures: Failure[];
  slow: Array<{ index: number; ms: number; limitMs: number }>;
  notes: Record<string, number>;
  maxHeapBytes: number;
  crashMessage?: string;
}

function heartbeatReader(file: string): () => { index: number; busy: boolean; completed: number; limitMs: number } {
  const buf = Buffer.alloc(16);
  return () => {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    return { index: buf.readInt32LE(0), busy: buf.readInt32LE(4) === 1, completed: buf.readInt32LE(8), limitMs: buf.readInt32LE(12) };
  };
}

/** Workers still running, killed if this process exits first (a worker may be stuck in a blow-up). */
const live = new Set<ReturnType<typeof fork>>();
process.once('exit', () => {
  for (const w of live) w.kill('SIGKILL');
});

function runWorker(opts: FuzzOptions, target: string, start: number, count: number, hangMs: number, heapMb: number, deadline = 0, minCount = 0, slowMs = hangMs): Promise<Attempt> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ms-fuzz-hb-'));
  const heartbeatFile = path.join(dir, 'hb');
  const init = Buffer.alloc(16);
  init.writeInt32LE(-1, 0);
  writeFileSync(heartbeatFile, init);
  const read = heartbeatReader(heartbeatFile);
  const job: WorkerJob = { demoDir: opts.demoDir, target, seed: opts.seed, start, count, slowMs, perMbMs: opts.perMbMs ?? 4000, heartbeatFile, deadline, minCount };
  const worker = fork(opts.workerFile, [], {
    env: { ...process.env, FUZZ_JOB: JSON.stringify(job) },
    execArgv: [`--max-old-space-size=${heapMb}`, '--stack-size=984'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  let stderrTail = '';
  worker.stdout?.resume();
  worker.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-2000);
  });
  const attempt: Attempt = { stoppedAt: null, reason: 'done', completed: 0, failures: [], slow: [], notes: {}, maxHeapBytes: 0 };
  return new Promise((resolve) => {
    let settled = false;
    let lastIndex = -1;
    let since = performance.now();
    // Setup (loading the corpus) is bounded too, but generously.
    const setupDeadline = performance.now() + 60_000;
    let exited = false;
    const finish = (reason: Attempt['reason'], message?: string) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      const hb = read();
      attempt.reason = reason;
      attempt.completed = hb.completed;
      if (reason !== 'done') attempt.stoppedAt = hb.index;
      if (message) attempt.crashMessage = message;
      const cleanup = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve(attempt);
      };
      if (exited) cleanup();
      else {
        worker.once('exit', cleanup);
        worker.kill('SIGKILL');
      }
    };
    const watch = setInterval(() => {
      const { busy, index, limitMs } = read();
      const now = performance.now();
      if (index === -1 && now > setupDeadline) return finish('crash', 'worker setup took longer than 60 s');
      if (!busy) return;
      if (index !== lastIndex) {
        lastIndex = index;
        since = now;
      } else if (now - since > Math.max(hangMs, limitMs)) {
        finish('hang');
      }
    }, 20);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'failure') attempt.failures.push({ target, index: m.index, kind: m.kind, message: m.message });
      else if (m.type === 'slow') attempt.slow.push({ index: m.index, ms: m.ms, limitMs: m.limitMs });
      else if (m.type === 'done') {
        attempt.notes = m.notes;
        attempt.maxHeapBytes = m.maxHeapBytes;
        finish('done');
      }
    });
    worker.on('error', (err: Error) => finish('crash', `${err.name}: ${err.message}`));
    worker.on('exit', (code, signal) => {
      exited = true;
      // IPC messages can trail the exit event: give them a moment before judging.
      setTimeout(() => onExit(code, signal), 100);
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      if (code === 0 && (read().completed >= count || deadline > 0)) return finish('done');
      const oom = /out of memory|Allocation failed/i.test(stderrTail);
      const last = stderrTail.split('\n').filter((l) => /FATAL|Error|error/.test(l)).slice(-2).join(' | ');
      finish(oom ? 'oom' : 'crash', `worker died (${signal ?? `exit ${code}`}): ${last || stderrTail.slice(-300)}`);
    };
  });
}

/**
 * Replays one input alone, up to twice: did it really run over `hangMs`? (A busy machine can make a
 * 0.5 s input take 1.3 s once; a real blow-up is slow every time.)
 */
async function confirmSlow(opts: FuzzOptions, target: string, index: number, hangMs: number, heapMb: number): Promise<{ real: boolean; detail: string }> {
  const limit = Math.max(5000, hangMs * 5);
  const details: string[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const again = await runWorker(opts, target, index, 1, limit, heapMb, 0, 0, hangMs);
    if (again.reason === 'hang') return { real: true, detail: `still running after ${limit} ms when replayed alone` };
    if (again.reason === 'oom') return { real: true, detail: 'ran out of memory when replayed alone' };
    const slow = again.slow.find((s) => s.index === index);
    if (!slow) return { real: false, detail: 'finished in time when replayed alone' };
    details.push(`${Math.round(slow.ms)} ms (limit ${slow.limitMs} ms)`);
  }
  return { real: true, detail: `took ${details.join(' and ')} when replayed alone twice` };
}

async function fuzzTarget(opts: FuzzOptions, target: string, group: string): Promise<TargetReport> {
  const hangMs = opts.hangMs ?? 1000;
  const heapMb = opts.heapMb ?? 256;
  const started = performance.now();
  const report: TargetReport = { target, group, inputs: 0, failures: [], slowNotReproduced: 0, maxHeapMb: 0, ms: 0, notes: {}, stoppedByBudget: false };
  const first = opts.from ?? 0;
  const end = first + opts.perTarget;
  let next = first;
  let restarts = 0;
  const suspects: number[] = [];
  while (next < end) {
    if (opts.targetBudgetMs && performance.now() - started > opts.targetBudgetMs && report.inputs >= (opts.minInputs ?? 0)) {
      report.stoppedByBudget = true;
      break;
    }
    // Chunks keep the budget check and heap sampling regular.
    const count = Math.min(end - next, 5000);
    const deadline = opts.targetBudgetMs ? Date.now() + Math.max(0, opts.targetBudgetMs - (performance.now() - started)) : 0;
    const a = await runWorker(opts, target, next, count, hangMs, heapMb, deadline, Math.max(0, (opts.minInputs ?? 0) - report.inputs));
    report.failures.push(...a.failures.filter((f) => f.kind !== 'setup'));
    if (a.failures.some((f) => f.kind === 'setup')) {
      report.failures.push(...a.failures.filter((f) => f.kind === 'setup'));
      break;
    }
    for (const [k, v] of Object.entries(a.notes)) report.notes[k] = (report.notes[k] ?? 0) + v;
    report.maxHeapMb = Math.max(report.maxHeapMb, a.maxHeapBytes / 1024 / 1024);
    for (const s of a.slow) suspects.push(s.index);
    if (a.reason === 'done') {
      report.inputs += a.completed;
      next += a.completed;
      if (a.completed < count) {
        report.stoppedByBudget = true;
        break;
      }
      continue;
    }
    const at = a.stoppedAt !== null && a.stoppedAt >= next ? a.stoppedAt : next + a.completed;
    report.inputs += at - next + 1;
    if (a.reason === 'hang') suspects.push(at);
    else report.failures.push({ target, index: at, kind: a.reason === 'oom' ? 'heap' : 'crash', message: a.crashMessage ?? a.reason });
    next = at + 1;
    if (++restarts > 200) {
      report.failures.push({ target, index: next, kind: 'crash', message: 'gave up after 200 worker restarts' });
      break;
    }
  }
  for (const index of [...new Set(suspects)].slice(0, 20)) {
    const c = await confirmSlow(opts, target, index, hangMs, heapMb);
    if (c.real) report.failures.push({ target, index, kind: 'hang', message: `input ran over its time limit (${hangMs} ms + ${opts.perMbMs ?? 4000} ms per MiB): ${c.detail}` });
    else report.slowNotReproduced++;
  }
  report.ms = performance.now() - started;
  opts.log?.(
    `${target.padEnd(30)} ${String(report.inputs).padStart(7)} inputs  ${String(report.failures.length).padStart(3)} failures  ` +
      `${(report.ms / 1000).toFixed(1).padStart(6)} s  heap ≤ ${report.maxHeapMb.toFixed(0)} MB  ${JSON.stringify(report.notes)}${report.stoppedByBudget ? '  (stopped by time budget)' : ''}`,
  );
  return report;
}

export async function runFuzz(opts: FuzzOptions): Promise<TargetReport[]> {
  const all = buildTargets(await loadCorpus(opts.demoDir));
  const chosen = opts.targets ? all.filter((t) => opts.targets?.includes(t.name)) : all;
  if (opts.targets && chosen.length !== opts.targets.length) {
    throw new Error(`unknown targets: ${opts.targets.filter((n) => !all.some((t) => t.name === n)).join(', ')}`);
  }
  const reports: TargetReport[] = [];
  const queue = [...chosen];
  const lanes = Array.from({ length: Math.max(1, opts.parallel ?? 1) }, async () => {
    for (let t = queue.shift(); t; t = queue.shift()) reports.push(await fuzzTarget(opts, t.name, t.group));
  });
  await Promise.all(lanes);
  return reports.sort((a, b) => chosen.findIndex((t) => t.name === a.target) - chosen.findIndex((t) => t.name === b.target));
}
