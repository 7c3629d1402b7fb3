// Shared pieces of the hardening suite: a share of a few thousand files, sorted catalog dumps that
// two catalogs can be compared by, integrity checks, the CLI bundled fresh by esbuild (so a child
// process runs exactly the code in the work tree), and small bounded-wait helpers.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CATALOG_FILE } from '../../core/catalog/open';
import { writeDemoLibrary } from '../../core/demo/generate';
import { writeSafetensors } from '../../core/demo/model-writers';
import { Prng } from '../../core/demo/prng';
import { bundleForNode, REPO_ROOT } from '../bundle';


export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects when `p` does not settle within `ms` (the label says what hung). */
export async function within<T>(ms: number, label: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const FIXED_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

/**
 * The demo library plus `bulk/` folders of small files (about a fifth of them with headers to read:
 * CSV, safetensors, config.json), `files` in total. Deterministic content and times.
 */
export async function seedBulkShare(dir: string, files = 3000, seed = 7): Promise<{ files: number }> {
  const demo = await writeDemoLibrary(dir);
  const rng = new Prng(seed);
  const perFolder = 100;
  const want = Math.max(0, files - demo.files);
  let written = 0;
  for (let f = 0; written < want; f++) {
    const folder = path.join(dir, 'bulk', `team-${String(f % 7).padStart(2, '0')}`, `exp-${String(f).padStart(3, '0')}`);
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < perFolder && written < want; i++, written++) {
      const kind = i % 10;
      let name: string;
      let data: Uint8Array | string;
      if (kind === 0) {
        name = `metrics-${i}.csv`;
        data = `epoch,loss,acc\n${Array.from({ length: 5 }, (_, e) => `${e},${(1 / (e + 1)).toFixed(4)},${rng.next().toFixed(4)}`).join('\n')}\n`;
      } else if (kind === 1) {
        name = `weights-${i}.safetensors`;
        data = writeSafetensors([{ name: `w${i}`, dtype: 'F32', shape: [2, 2], values: [rng.next(), rng.next(), rng.next(), rng.next()] }]);
      } else {
        name = `note-${i}.txt`;
        data = `note ${f}/${i} ${rng.hex(16)}\n`;
      }
      const full = path.join(folder, name);
      await writeFile(full, data);
      const t = new Date(FIXED_MS - (f * perFolder + i) * 1000);
      await utimes(full, t, t);
    }
  }
  return { files: demo.files + written };
}

/** Every file under `dir` (relative, '/'-separated), sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, rel);
    if ((await stat(full)).isFile()) out.push(rel.split(path.sep).join('/'));
  }
  return out.sort();
}

/**
 * Small seeded changes a colleague could make between two scans: touch some files (headers read
 * again), add some, delete some (rows removed only after a complete walk).
 */
export async function mutateShare(dir: string, rng: Prng, trial: number, touch = 300): Promise<{ touched: number; added: number; removed: number }> {
  const bulk = (await listFiles(dir)).filter((f) => f.startsWith('bulk/'));
  let touched = 0;
  let removed = 0;
  for (let i = 0; i < touch && bulk.length > 0; i++) {
    const f = bulk[rng.int(0, bulk.length - 1)] as string;
    const full = path.join(dir, f);
    if (!existsSync(full)) continue;
    const t = new Date(FIXED_MS + (trial + 1) * 3_600_000 + i * 1000);
    await utimes(full, t, t);
    touched++;
  }
  for (let i = 0; i < 5 && bulk.length > 0; i++) {
    const f = bulk.splice(rng.int(0, bulk.length - 1), 1)[0] as string;
    await rm(path.join(dir, f), { force: true });
    removed++;
  }
  const addDir = path.join(dir, 'bulk', `added-${trial}`);
  await mkdir(addDir, { recursive: true });
  for (let i = 0; i < 10; i++) {
    await writeFile(path.join(addDir, i % 2 ? `extra-${i}.txt` : `extra-${i}.csv`), i % 2 ? `extra ${trial} ${i}\n` : `a,b\n${trial},${i}\n`);
  }
  return { touched, added: 10, removed };
}

// ---- catalogs ----

export function catalogPath(dataDir: string): string {
  return path.join(dataDir, CATALOG_FILE);
}

/** A second connection to a catalog (another process's, maybe mid-write), read-only. */
export function openReadOnly(dataDir: string): Database.Database {
  const db = new Database(catalogPath(dataDir), { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

export function integrity(db: Database.Database): string {
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).join('; ');
}

export interface RowCounts {
  entries: number;
  items: number;
  versions: number;
}

export function rowCounts(db: Database.Database): RowCounts {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    entries: one('SELECT COUNT(*) AS n FROM entry'),
    items: one('SELECT COUNT(*) AS n FROM item'),
    versions: one('SELECT COUNT(*) AS n FROM version'),
  };
}

/**
 * What a catalog knows about its (single) source, without ids, generations or times of scanning:
 * two catalogs of the same share state must dump identically.
 */
export function dumpCatalog(db: Database.Database): { entries: string[]; items: string[]; versions: string[]; files: string[]; runs: string[] } {
  const rows = (sql: string) => (db.prepare(sql).all() as Array<Record<string, unknown>>).map((r) => JSON.stringify(Object.values(r)));
  return {
    entries: rows('SELECT path, parent, name, is_dir, size, mtime_ms, format, meta_json, read_state FROM entry ORDER BY path'),
    items: rows('SELECT kind, name, path, layout, format, updated_ms, size_bytes FROM item ORDER BY kind, path'),
    versions: rows(
      `SELECT i.kind, i.path AS item_path, v.label, v.ordinal, v.path, v.created_ms, v.size_bytes, v.format, v.stage, v.aliases_json, v.meta_json
       FROM version v JOIN item i ON i.id = v.item_id ORDER BY i.kind, i.path, v.label`,
    ),
    files: rows(
      `SELECT i.kind, i.path AS item_path, v.label, f.path, f.size, f.mtime_ms
       FROM version_file f JOIN version v ON v.id = f.version_id JOIN item i ON i.id = v.item_id ORDER BY i.kind, i.path, v.label, f.path`,
    ),
    runs: rows(
      `SELECT r.path, r.name, r.format, r.status, r.params_json, (SELECT COUNT(*) FROM metric_series s WHERE s.run_id = r.id) AS series
       FROM run r ORDER BY r.path`,
    ),
  };
}

/** Paths a catalog holds that could point outside the share (absolute, dot segments, separators, NUL). */
export function escapingPaths(db: Database.Database): string[] {
  const all = [
    ...(db.prepare('SELECT path FROM entry UNION SELECT parent FROM entry WHERE parent <> \'\'').pluck().all() as string[]),
    ...(db.prepare('SELECT path FROM item UNION SELECT path FROM version UNION SELECT path FROM version_file').pluck().all() as string[]),
    ...(db.prepare('SELECT path FROM run').pluck().all() as string[]),
  ];
  return all.filter((p) => {
    if (p === '') return false; // the root of the source itself (an item may live there)
    if (p.startsWith('/') || p.includes('\\') || p.includes('\0') || /^[A-Za-z]:/.test(p)) return true;
    return p.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
  });
}

// ---- the CLI as a child process ----

let bundled: string | null = null;

/**
 * Bundles electron/hosts/cli.ts with esbuild (as scripts/build.mjs does) into `outDir`, plus a stub
 * renderer for `serve`. Returns the path of cli.cjs. better-sqlite3 and the keyring addon stay
 * external and are found through NODE_PATH (see cliEnv).
 */
export async function bundleCli(outDir: string): Promise<string> {
  if (bundled && existsSync(bundled)) return bundled;
  const outfile = await bundleForNode('electron/hosts/cli.ts', path.join(outDir, 'cli.cjs'), ['better-sqlite3']);
  await mkdir(path.join(outDir, 'renderer'), { recursive: true });
  await writeFile(path.join(outDir, 'renderer', 'index.html'), '<!doctype html><title>Modelshelf</title>');
  bundled = outfile;
  return outfile;
}

export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules'), MODELSHELF_KEYRING: 'off', ...extra };
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

export interface Captured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (bounded: killed after `timeoutMs`), capturing everything it prints. */
export function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts the CLI and returns the child plus live views of its output. */
export function startCli(cli: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => Captured; exited: Promise<Captured> } {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Captured>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, out: () => ({ code: child.exitCode, signal: child.signalCode, stdout, stderr }), exited };
}

/** Every file under `dir` that contains `needle` (as UTF-8 or UTF-16LE bytes). */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const forms = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')];
  const hits: string[] = [];
  for (const rel of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, rel);
    const st = await stat(full).catch(() => null);
    if (!st?.isFile()) continue;
    const bytes = await readFile(full);
    if (forms.some((f) => bytes.includes(f))) hits.push(rel);
  }
  return hits;
}

/** smbd's PID (the harness keeps it in <root>/pid/smbd.pid). */
export function smbdPid(sambaRoot: string): number {
  const text = readFileSync(path.join(sambaRoot, 'pid', 'smbd.pid'), 'utf8').trim();
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`bad smbd pid file: ${text}`);
  return pid;
}

/**
 * Kills smbd and every connection process it forked, at once (a NAS losing power): SIGKILL to its
 * process group (the harness starts it with setsid, so the group is smbd's own and nothing else).
 */
export function killSmbd(sambaRoot: string): number {
  const pid = smbdPid(sambaRoot);
  process.kill(-pid, 'SIGKILL');
  return pid;
}
