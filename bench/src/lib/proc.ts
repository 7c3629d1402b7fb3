// Child processes: the engine runs in a fresh Node process per measured run (clean heap, its own
// maxRSS, optional --cpu-prof), and reference tools (smbclient) are timed as a person runs them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where run.mjs put the bundles (this file is bundled into them). */
export const BUILD_DIR = __dirname;
/** The checkout being measured (run.mjs passes it; the bundles live under node_modules/.cache). */
export const REPO_ROOT = process.env.MODELSHELF_BENCH_ROOT ?? path.resolve(BUILD_DIR, '..', '..', '..', '..');
export const CHILD = path.join(BUILD_DIR, 'child.cjs');
export const RESULT_MARK = 'BENCH_RESULT ';

export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/bin', '/sbin', '/bin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** smbclient is the reference for P1 and P3: find it, or install it with apt-get when root, or say how. */
export function ensureSmbclient(): string {
  let bin = findBinary('smbclient');
  if (bin) return bin;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && findBinary('apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['install', '-y', 'smbclient'], { stdio: 'inherit', env });
    bin = findBinary('smbclient');
    if (bin) return bin;
  }
  throw new Error('smbclient is not installed (it is the reference for P1 and P3). Install it with: sudo apt-get install -y smbclient');
}

export interface ChildOutcome<T> {
  result: T;
  wallMs: number;
  stderr: string;
}

/** Runs `node child.cjs (next to the bundles run.mjs builds) <mode> <json>` and returns the JSON it prints after RESULT_MARK. */
export function runChild<T>(mode: string, args: unknown, opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<ChildOutcome<T>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CHILD, mode, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-20_000);
    });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      const wallMs = performance.now() - started;
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || !line) {
        reject(new Error(`child ${mode} failed (exit ${code ?? signal}):\n${err.slice(-4000)}\n${out.slice(-2000)}`));
        return;
      }
      resolve({ result: JSON.parse(line.slice(RESULT_MARK.length)) as T, wallMs, stderr: err });
    });
  });
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may contain spaces): state(0)
 * ppid(1) pgrp(2) … utime(11) stime(12) cutime(13) cstime(14), in ticks of 10 ms. null when gone
 * (or not Linux).
 */
export function statFields(pid: string): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** CPU ms of this process's reaped children so far (Linux /proc; 0 elsewhere). */
function reapedChildrenCpuMs(): number {
  const f = statFields('self');
  return f ? (Number(f[13]) + Number(f[14])) * 10 : 0; // cutime + cstime, USER_HZ = 100
}

/**
 * Wall time of an external command, and its CPU time (user + system of the command and what it
 * waited for, as reaped; meaningful when no other child of this process exits meanwhile). Throws
 * with its output when it fails.
 */
export function timeCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ ms: number; cpuMs: number; stdoutBytes: number; stdoutLines: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpu0 = reapedChildrenCpuMs();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    let bytes = 0;
    let lines = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      for (let i = 0; i < d.length; i++) if (d[i] === 10) lines++;
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      else resolve({ ms, cpuMs: reapedChildrenCpuMs() - cpu0, stdoutBytes: bytes, stdoutLines: lines });
    });
  });
}
