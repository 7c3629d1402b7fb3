// The engine side of each measured run, in its own Node process (clean heap, its own maxRSS, and
// a CPU profile when asked). Usage: node <build dir>/child.cjs <mode> '<json args>'; prints one
// line `BENCH_RESULT {json}`. Nothing here changes engine code: the counters come from wrapping a
// few methods of the bundled copy (SmbTransport.connect, Catalog.prototype.*) for timing only.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Session } from 'node:inspector';
import Database from 'better-sqlite3';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { METHOD_NAMES, methodInputs } from '../../shared/contract';
import type { EngineEvent, ScanSummary, Source } from '../../shared/contract';
import { Catalog } from '../../electron/core/catalog/catalog';
import { createEngine } from '../../electron/core/engine';
import type { Engine } from '../../electron/core/engine-api';
import { connectSmb } from '../../electron/core/nas/smb';
import { SmbTransport } from '../../electron/core/nas/smb/transport';
import { buildCatalog, type CatalogSpec } from './data/synthetic-catalog';
import { RESULT_MARK } from './lib/proc';

const [mode, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs ?? '{}') as Record<string, unknown>;

function emit(result: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

async function call<T>(engine: Engine, method: string, input: unknown): Promise<T> {
  const r = await engine.call(method, input);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

// ---- instrumentation ----------------------------------------------------------------------------

const transports: SmbTransport[] = [];
const originalConnect = SmbTransport.connect.bind(SmbTransport);
SmbTransport.connect = async (host: string, port: number, timeoutMs: number) => {
  const t = await originalConnect(host, port, timeoutMs);
  transports.push(t);
  return t;
};
function smbCounters(): { requests: number; roundTrips: number; connections: number } {
  return {
    requests: transports.reduce((a, t) => a + t.counters.requests, 0),
    roundTrips: transports.reduce((a, t) => a + t.counters.roundTrips, 0),
    connections: transports.length,
  };
}

// ---- RSS sampling that keeps going while the event loop is blocked ------------------------------
// A worker thread reads the process's RSS every 20 ms and keeps the peak per "step": the Catalog
// method running at that moment (set by the wrappers below), else the scan phase from events.
const STEPS = ['other', 'listing', 'reading', 'grouping'];
const stepOf = (name: string) => {
  let i = STEPS.indexOf(name);
  if (i < 0) {
    STEPS.push(name);
    i = STEPS.length - 1;
  }
  return i;
};
for (const n of Object.getOwnPropertyNames(Catalog.prototype)) stepOf(n);
const shared = new SharedArrayBuffer(8 + 8 * STEPS.length);
const currentStep = new Int32Array(shared, 0, 2);
const peakBytes = new Float64Array(shared, 8, STEPS.length);
let phaseStep = 0;
let sampler: Worker | null = null;
function startRssSampler(): void {
  sampler ??= new Worker(
    `const { workerData } = require('node:worker_threads');
     const step = new Int32Array(workerData, 0, 2);
     const peak = new Float64Array(workerData, 8);
     setInterval(() => { const s = Atomics.load(step, 0); const r = process.memoryUsage.rss(); if (r > peak[s]) peak[s] = r; }, 20);`,
    { eval: true, workerData: shared },
  );
  sampler.unref();
}
function rssPeaksMB(): Record<string, number> {
  const out: Record<string, number> = {};
  STEPS.forEach((name, i) => {
    if (peakBytes[i]! > 0) out[name] = Math.round(peakBytes[i]! / 1e6);
  });
  return out;
}

/** Synchronous time spent in each Catalog method (SQLite work on the engine's event loop). */
const catalogTime: Record<string, { calls: number; ms: number }> = {};
for (const name of Object.getOwnPropertyNames(Catalog.prototype)) {
  if (name === 'constructor') continue;
  const desc = Object.getOwnPropertyDescriptor(Catalog.prototype, name);
  if (!desc || typeof desc.value !== 'function') continue;
  const original = desc.value as (...a: unknown[]) => unknown;
  Object.defineProperty(Catalog.prototype, name, {
    ...desc,
    value(this: Catalog, ...a: unknown[]) {
      const t0 = performance.now();
      const outer = Atomics.exchange(currentStep, 0, stepOf(name));
      try {
        return original.apply(this, a);
      } finally {
        // Back to the scan phase (e.g. 'grouping' covers groupEntries between two Catalog calls).
        Atomics.store(currentStep, 0, outer === 0 ? phaseStep : outer);
        const slot = catalogTime[name] ?? { calls: 0, ms: 0 };
        catalogTime[name] = slot;
        slot.calls++;
        slot.ms += performance.now() - t0;
      }
    },
  });
}
function takeCatalogTime(): Record<string, { calls: number; ms: number }> {
  const out: Record<string, { calls: number; ms: number }> = {};
  for (const [k, v] of Object.entries(catalogTime)) {
    out[k] = { calls: v.calls, ms: Math.round(v.ms * 10) / 10 };
    delete catalogTime[k];
  }
  return out;
}

// ---- one scan, timed by phase -------------------------------------------------------------------

interface ScanRun {
  ms: number;
  phases: { listingMs: number; readingMs: number; groupingMs: number };
  summary: ScanSummary;
  smb: { requests: number; roundTrips: number };
  catalogMs: Record<string, { calls: number; ms: number }>;
  eventLoopDelayMaxMs: number;
  eventLoopDelayP99Ms: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssMB: number;
}

/** With args.profileDir: a CPU profile of just this scan, written as <label>.cpuprofile. */
async function profiled<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!args.profileDir) return work();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 250 });
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    mkdirSync(String(args.profileDir), { recursive: true });
    writeFileSync(path.join(String(args.profileDir), `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function timedScan(engine: Engine, id: number, label = 'scan'): Promise<ScanRun> {
  return profiled(label, () => timedScanInner(engine, id));
}

async function timedScanInner(engine: Engine, id: number): Promise<ScanRun> {
  const marks: Record<string, number> = {};
  const off = engine.onEvent((e: EngineEvent) => {
    if (e.event === 'scan.progress') {
      const p = (e.payload as { phase: string }).phase;
      marks[p] ??= performance.now();
      phaseStep = stepOf(p);
      Atomics.store(currentStep, 0, phaseStep);
    }
  });
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const before = smbCounters();
  const cpu0 = process.cpuUsage();
  takeCatalogTime();
  const t0 = performance.now();
  const summary = await call<ScanSummary>(engine, 'sources.scan', { id });
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  eld.disable();
  clearInterval(rssTimer);
  off();
  phaseStep = 0;
  Atomics.store(currentStep, 0, 0);
  const after = smbCounters();
  const reading = marks.reading ?? t1;
  const grouping = marks.grouping ?? t1;
  return {
    ms: t1 - t0,
    phases: { listingMs: reading - t0, readingMs: grouping - reading, groupingMs: t1 - grouping },
    summary: { ...summary, skipped: summary.skipped.slice(0, 5) },
    smb: { requests: after.requests - before.requests, roundTrips: after.roundTrips - before.roundTrips },
    catalogMs: takeCatalogTime(),
    eventLoopDelayMaxMs: eld.max / 1e6,
    eventLoopDelayP99Ms: eld.percentile(99) / 1e6,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    peakRssMB: Math.max(peakRss, process.memoryUsage.rss()) / 1e6,
  };
}

// ---- modes --------------------------------------------------------------------------------------

/** P1/P2 (and P4): add a source, cold scan, then `rescans` scans with nothing changed. */
async function index(): Promise<void> {
  const engine = await createEngine({ dataDir: String(args.dataDir) });
  try {
    const t0 = performance.now();
    const source = await call<Source>(engine, 'sources.add', { location: String(args.location), password: args.password as string | undefined });
    const addMs = performance.now() - t0;
    const addSmb = smbCounters();
    const cold = await timedScan(engine, source.id, 'cold');
    const rescans: ScanRun[] = [];
    for (let i = 0; i < Number(args.rescans ?? 0); i++) rescans.push(await timedScan(engine, source.id, `rescan-${i + 1}`));
    let items: unknown[] = [];
    if (args.items) {
      const list = await call<Array<{ id: number }>>(engine, 'library.list', { sourceId: source.id });
      items = await Promise.all(list.map((i) => call(engine, 'library.get', { id: i.id })));
    }
    emit({ addMs, addSmb, cold, rescans, items, maxRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6 });
  } finally {
    await engine.close();
  }
}

/** P8: index a local folder; maxRSS of this process is the figure. */
async function localIndex(): Promise<void> {
  const engine = await createEngine({ dataDir: String(args.dataDir) });
  try {
    const baseRssMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
    const source = await call<Source>(engine, 'sources.add', { location: String(args.root) });
    // Where the peak happens: RSS sampled from a worker, per scan phase and Catalog method.
    startRssSampler();
    const run = await timedScan(engine, source.id, 'local-index');
    const peakByPhase = rssPeaksMB();
    emit({ baseRssMB, run, peakRssByStepMB: peakByPhase, maxRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6 });
  } finally {
    await engine.close();
  }
}

/** P3 fallback: the SMB client's ranged read, written to disk and hashed on the way. */
async function copy(): Promise<void> {
  await profiled('copy', copyInner);
}

async function copyInner(): Promise<void> {
  const exportAvailable = (METHOD_NAMES as readonly string[]).includes('export.version');
  const t0 = performance.now();
  const client = await connectSmb({ host: String(args.host), port: Number(args.port), user: String(args.user), password: String(args.password) });
  const share = await client.tree(String(args.share));
  const connectMs = performance.now() - t0;
  const st = await share.stat(String(args.path));
  const size = st.size;
  const segment = Number(args.segmentMiB ?? 64) * 1024 * 1024;
  const ahead = Number(args.segmentsAhead ?? 2);
  const hash = createHash('sha256');
  // Positioned async writes (libuv thread pool): the event loop keeps serving SMB responses while
  // the disk write runs. The hash is updated on the main thread, as an export would.
  const fh = args.dest ? await open(String(args.dest), 'w') : null;
  let hashMs = 0;
  let writeMs = 0;
  let api = 'share.read (64 MiB segments, 2 in flight)';
  const consume = async (at: number, data: Uint8Array) => {
    const written = fh ? fh.write(data, 0, data.length, at) : null;
    if (args.hash !== false) {
      const h0 = performance.now();
      hash.update(data);
      hashMs += performance.now() - h0;
    }
    if (written) {
      const w0 = performance.now();
      await written;
      writeMs += performance.now() - w0;
    }
  };
  // The client's streaming read when it has one (ordered chunks over one handle, reads in flight).
  const streaming = share as unknown as { stream?: (p: string, o?: object) => AsyncIterable<Uint8Array> };
  try {
    if (typeof streaming.stream === 'function' && args.api !== 'read') {
      api = 'share.stream (client defaults, 10 recycled 4 MiB buffers as the export uses)';
      // A chunk is done with before the next is asked for, so a ring of the export's pool size
      // (4 reads in flight + 6) is never reused under a read: no allocation, and no GC, per chunk.
      const ring = Array.from({ length: 10 }, () => new Uint8Array(4 * 1024 * 1024));
      let taken = 0;
      const buffer = (n: number) => (n <= ring[0]!.length ? ring[taken++ % ring.length]! : new Uint8Array(n));
      let at = 0;
      for await (const chunk of streaming.stream(String(args.path), { buffer })) {
        await consume(at, chunk);
        at += chunk.length;
      }
      if (at !== size) throw new Error(`stream returned ${at} of ${size} bytes`);
    } else {
    const pending: Array<{ at: number; data: Promise<Uint8Array> }> = [];
    let next = 0;
    const issue = () => {
      while (pending.length < ahead && next < size) {
        const len = Math.min(segment, size - next);
        pending.push({ at: next, data: share.read(String(args.path), next, len) });
        next += len;
      }
    };
    issue();
    while (pending.length > 0) {
      const seg = pending.shift()!;
      const data = await seg.data;
      issue();
      await consume(seg.at, data);
    }
    }
  } finally {
    await fh?.close();
  }
  const sha256 = args.hash !== false ? hash.digest('hex') : null;
  const ms = performance.now() - t0;
  const counters = client.counters();
  await client.close();
  emit({ ms, connectMs, size, sha256, hashMs, writeMs, counters, api, dialect: client.dialect, signing: client.signing, exportAvailable });
}

/** P3 when the engine has export.version: which input fields it wants (the bench only drives known shapes). */
function exportShape(): void {
  const schema = (methodInputs as Record<string, unknown>)['export.version'] as { shape?: Record<string, unknown> } | undefined;
  emit({ available: (METHOD_NAMES as readonly string[]).includes('export.version'), keys: schema?.shape ? Object.keys(schema.shape) : [] });
}

/** P3 through the engine's export method, for input shapes the bench knows. */
async function exportVersion(): Promise<void> {
  const engine = await createEngine({ dataDir: String(args.dataDir) });
  try {
    const source = await call<Source>(engine, 'sources.add', { location: String(args.location), password: String(args.password) });
    await call(engine, 'sources.scan', { id: source.id });
    // The version that holds the big file.
    const list = await call<Array<{ id: number }>>(engine, 'library.list', { sourceId: source.id });
    let versionId: number | null = null;
    for (const it of list) {
      const item = await call<{ versions: Array<{ id: number; files: Array<{ path: string }> }> }>(engine, 'library.get', { id: it.id });
      const v = item.versions.find((x) => x.files.some((f) => f.path === String(args.file)));
      if (v) versionId = v.id;
    }
    if (versionId === null) throw new Error(`no version holds ${String(args.file)}; export.version cannot be measured`);
    const input: Record<string, unknown> = { versionId };
    input[String(args.destKey)] = String(args.destDir);
    // Phase split from export.progress events (preparing → copying → verifying → finishing).
    const phases: Record<string, number> = {};
    const off = engine.onEvent((e: EngineEvent) => {
      if ((e.event as string) === 'export.progress') {
        const phase = (e.payload as { phase?: string }).phase ?? '?';
        phases[phase] ??= performance.now();
      }
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await profiled('export', () => call<unknown>(engine, 'export.version', input));
    const t1 = performance.now();
    // Every thread of this process (event loop, libuv pool, hashing workers).
    const cpu = process.cpuUsage(cpu0);
    off();
    const order = Object.entries(phases).sort((a, b) => a[1] - b[1]);
    const phaseMs = Object.fromEntries(order.map(([name, at], i) => [name, Math.round((order[i + 1]?.[1] ?? t1) - at)]));
    emit({ ms: t1 - t0, output: out, phaseMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
  } finally {
    await engine.close();
  }
}

/**
 * P5: search calls through the engine, each `repeats` times: `method` is library.page (what the
 * library's search box and the palette call) or library.list (the CLI's whole list).
 */
async function search(): Promise<void> {
  const engine = await createEngine({ dataDir: String(args.dataDir) });
  try {
    const queries = args.queries as Array<{ method?: string; input: Record<string, unknown>; repeats?: number }>;
    const repeats = Number(args.repeats ?? 10);
    const out: Array<{ method: string; input: unknown; ms: number[]; rows: number }> = [];
    for (const q of queries) {
      const method = q.method ?? 'library.list';
      await call(engine, method, q.input); // warm the statement cache and the page cache
      const ms: number[] = [];
      let rows = 0;
      for (let i = 0; i < (q.repeats ?? repeats); i++) {
        const t0 = performance.now();
        const r = await call<unknown[] | { total: number }>(engine, method, q.input);
        ms.push(performance.now() - t0);
        rows = Array.isArray(r) ? r.length : r.total;
      }
      out.push({ method, input: q.input, ms, rows });
    }
    const catalogMs = takeCatalogTime();
    // The full-text lookups alone (a read-only connection): how much of a query is the MATCH itself.
    // With migration 6: each word's item_words prefix lookup (+ item_trigram substring lookup for
    // words of 3+ characters), intersected, as library-query.ts runs them; before it, search_index.
    const fts: Array<{ query: string; ms: number[]; rows: number }> = [];
    const db = new Database(path.join(String(args.dataDir), 'catalog.sqlite'), { readonly: true });
    try {
      const hasItemIndexes = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'item_words'").get() !== undefined;
      const quote = (w: string) => `"${w.replace(/"/g, '""')}"`;
      for (const q of (args.fts as string[] | undefined) ?? []) {
        const words = q.split(/\s+/).filter(Boolean);
        let sql: string;
        let params: string[];
        if (hasItemIndexes) {
          params = [];
          const parts = words.map((w) => {
            params.push(`${quote(w)}*`);
            if ([...w].length < 3) return 'SELECT rowid AS r FROM item_words WHERE item_words MATCH ?';
            params.push(quote(w));
            return 'SELECT rowid AS r FROM item_words WHERE item_words MATCH ? UNION SELECT rowid AS r FROM item_trigram WHERE item_trigram MATCH ?';
          });
          sql = parts.map((p) => `SELECT r FROM (${p})`).join(' INTERSECT ');
        } else {
          sql = 'SELECT ref FROM search_index WHERE search_index MATCH ?';
          params = [words.map((w) => `${quote(w)}*`).join(' AND ')];
        }
        const stmt = db.prepare(sql);
        stmt.all(...params);
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < repeats; i++) {
          const t0 = performance.now();
          rows = stmt.all(...params).length;
          ms.push(performance.now() - t0);
        }
        fts.push({ query: q, ms, rows });
      }
    } finally {
      db.close();
    }
    emit({ results: out, fts, catalogMs });
  } finally {
    await engine.close();
  }
}

/** P1 detail: the SMB client alone listing the whole share (16 folders in flight, no catalog). */
async function walk(): Promise<void> {
  const client = await connectSmb({ host: String(args.host), port: Number(args.port), user: String(args.user), password: String(args.password) });
  const share = await client.tree(String(args.share));
  const t0 = performance.now();
  const queue = [''];
  let active = 0;
  let folders = 0;
  let files = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (active < 16 && queue.length > 0) {
        const dir = queue.shift()!;
        active++;
        share.list(dir).then((entries) => {
          folders++;
          for (const e of entries) {
            if (e.isDir) queue.push(dir ? `${dir}/${e.name}` : e.name);
            else files++;
          }
          active--;
          if (active === 0 && queue.length === 0) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  const ms = performance.now() - t0;
  const counters = client.counters();
  await client.close();
  emit({ ms, folders, files, roundTrips: counters.roundTrips });
}

/** P5/P6/P7 data: a synthetic catalog through the real Catalog class. */
function catalog(): void {
  emit(buildCatalog(String(args.dataDir), args.spec as CatalogSpec));
}

const modes: Record<string, () => Promise<void> | void> = { catalog, walk, index, 'local-index': localIndex, copy, 'export-shape': exportShape, 'export-version': exportVersion, search };
const run = mode ? modes[mode] : undefined;
if (!run) {
  console.error(`unknown mode ${mode}; one of ${Object.keys(modes).join(', ')}`);
  process.exit(2);
}
Promise.resolve(run()).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
