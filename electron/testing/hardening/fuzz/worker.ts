// Fuzz worker (bundled by esbuild, run as a child process with a heap limit: a fatal V8 error such
// as a failed RegExp compilation kills a whole process, so each worker is one): runs inputs
// [start, start+count) of one target and reports failures over IPC. The heartbeat file tells the
// driver which input is running, so one that never returns (a synchronous loop included) is caught
// from outside.   heartbeat file: int32 [0] index of the input running, [1] 1 while it runs, [2] completed,
// [3] the time limit of the running input in ms (slowMs plus perMbMs for each MiB of input: the
// watchdog is for blow-ups, not for work proportional to a big input).
import { closeSync, openSync, writeSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { buildTargets, errorText, loadCorpus } from './targets';

export interface WorkerJob {
  demoDir: string;
  target: string;
  seed: number;
  start: number;
  count: number;
  slowMs: number;
  /** Extra time allowed per MiB of input. */
  perMbMs: number;
  heartbeatFile: string;
  /** Stop (after at least minCount inputs) once Date.now() passes this; 0 = run all. */
  deadline: number;
  minCount: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'failure'; index: number; kind: string; message: string }
  | { type: 'slow'; index: number; ms: number; limitMs: number }
  | { type: 'done'; notes: Record<string, number>; maxHeapBytes: number; completed: number; msPerInput: number };

const job = JSON.parse(process.env.FUZZ_JOB ?? '{}') as WorkerJob;
const hbFd = openSync(job.heartbeatFile, 'r+');
const hbBuf = Buffer.alloc(16);
const hb = {
  index: -1,
  set(index: number, busy: number, completed: number, limitMs = 0) {
    hb.index = index;
    hbBuf.writeInt32LE(index, 0);
    hbBuf.writeInt32LE(busy, 4);
    hbBuf.writeInt32LE(completed, 8);
    hbBuf.writeInt32LE(limitMs, 12);
    writeSync(hbFd, hbBuf, 0, 16, 0);
  },
};
const post = (m: WorkerMessage) => process.send?.(m);

// The driver gone (its process ended): stop between inputs rather than run on unattended.
process.on('disconnect', () => process.exit(0));

process.on('unhandledRejection', (reason) => {
  // A reader that leaves a rejected promise behind: reported against the input that ran.
  post({ type: 'failure', index: hb.index, kind: 'unhandled-rejection', message: errorText(reason) });
});

async function main(): Promise<void> {
  const target = buildTargets(await loadCorpus(job.demoDir)).find((t) => t.name === job.target);
  if (!target) throw new Error(`unknown fuzz target ${job.target}`);
  post({ type: 'ready' });
  const notes: Record<string, number> = {};
  let maxHeap = 0;
  let completed = 0;
  const t0 = performance.now();
  for (let i = job.start; i < job.start + job.count; i++) {
    if (job.deadline > 0 && completed >= job.minCount && Date.now() > job.deadline) break;
    const input = target.input(job.seed, i);
    const limitMs = Math.round(job.slowMs + (input.length / (1024 * 1024)) * job.perMbMs);
    hb.set(i, 1, completed, limitMs);
    const started = performance.now();
    let outcome: Awaited<ReturnType<typeof target.run>>;
    try {
      outcome = await target.run(input);
    } catch (err) {
      outcome = { ok: false, kind: 'throw', message: `escaped the target: ${errorText(err)}` };
    }
    const ms = performance.now() - started;
    if (outcome.ok) notes[outcome.note ?? 'ok'] = (notes[outcome.note ?? 'ok'] ?? 0) + 1;
    else post({ type: 'failure', index: i, kind: outcome.kind, message: outcome.message });
    if (ms > limitMs) post({ type: 'slow', index: i, ms, limitMs });
    completed++;
    hb.set(i, 0, completed);
    if (completed % 50 === 0) maxHeap = Math.max(maxHeap, getHeapStatistics().used_heap_size);
  }
  maxHeap = Math.max(maxHeap, getHeapStatistics().used_heap_size);
  post({ type: 'done', notes, maxHeapBytes: maxHeap, completed, msPerInput: (performance.now() - t0) / Math.max(1, completed) });
}

main()
  .catch((err: unknown) => {
    post({ type: 'failure', index: -1, kind: 'setup', message: errorText(err) });
    post({ type: 'done', notes: {}, maxHeapBytes: 0, completed: 0, msPerInput: 0 });
  })
  .finally(() => {
    // The IPC channel keeps this process alive until the driver, having read 'done', ends it.
    closeSync(hbFd);
  });
