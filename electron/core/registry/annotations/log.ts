// Reading and appending the event logs through a FileSource, and who this desktop is.
//  - Appending is read own file → add lines → write a temp file → rename over the old one: a reader
//    (another desktop) sees the whole old log or the whole new one, never half a line. Each machine
//    only ever rewrites its own file, so two people writing at once cannot lose each other's events.
//  - On this computer, writers of the same data folder (the app and the CLI) take a lock first: they
//    share a machine id and so a log file.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../errors';
import { takeLock } from '../../export/local-fs';
import { type FileSource, joinPath } from '../../nas/file-source';
import { EVENTS_DIR, eventLine, isLogName, LOG_SUFFIX, type TeamEvent } from './events';

const READ_CHUNK = 1024 * 1024;
const MACHINE_FILE = 'machine-id';
const machineIds = new Map<string, Promise<string>>();

/** This data folder's machine id: made once ("<host>-<8 hex>") and kept in the data folder. */
export function machineId(dataDir: string): Promise<string> {
  let id = machineIds.get(dataDir);
  if (!id) {
    id = loadOrCreateMachineId(dataDir);
    machineIds.set(dataDir, id);
    id.catch(() => machineIds.delete(dataDir));
  }
  return id;
}

async function loadOrCreateMachineId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, MACHINE_FILE);
  const valid = (s: string) => /^[a-z0-9][a-z0-9-]{0,62}$/.test(s);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (valid(existing)) return existing;
  const host = os
    .hostname()
    .toLowerCase()
    .replace(/\.local$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const fresh = `${host || 'desktop'}-${randomBytes(4).toString('hex')}`;
  try {
    // 'wx': when two processes start at once, the first one's id wins and the other reads it.
    await writeFile(file, `${fresh}\n`, { flag: existing === '' ? 'wx' : 'w' });
    return fresh;
  } catch {
    const winner = (await readFile(file, 'utf8').catch(() => '')).trim();
    if (valid(winner)) return winner;
    throw new EngineError('IO', `Could not store this computer's id in ${dataDir}.`);
  }
}

/** The person writing: the OS user name. */
export function osUserName(): string {
  try {
    const name = os.userInfo().username;
    if (name) return name;
  } catch {
    // no passwd entry (some containers)
  }
  return process.env.USER || process.env.USERNAME || 'someone';
}

/** A file through a FileSource from `from` to its end (it may have grown since it was listed). */
export async function readWhole(source: FileSource, file: string, from = 0): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = from;
  for (;;) {
    const chunk = await source.read(file, offset, READ_CHUNK);
    parts.push(chunk);
    offset += chunk.length;
    if (chunk.length < READ_CHUNK) break;
  }
  const out = new Uint8Array(offset - from);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface LogFile {
  name: string;
  size: number;
  mtimeMs: number;
}

/** The log files of a source (none when the folder does not exist yet). */
export async function listLogs(source: FileSource): Promise<LogFile[]> {
  try {
    const entries = await source.list(EVENTS_DIR);
    return entries.filter((e) => !e.isDir && !e.isLink && isLogName(e.name)).map((e) => ({ name: e.name, size: e.size, mtimeMs: e.mtimeMs }));
  } catch (err) {
    if (err instanceof EngineError && err.code === 'NOT_FOUND') return [];
    throw err;
  }
}

export function logPath(name: string): string {
  return joinPath(EVENTS_DIR, name);
}

type Writer = Required<Pick<FileSource, 'writeFile' | 'rename' | 'mkdir'>> & FileSource;

export function canWrite(source: FileSource): source is Writer {
  return typeof source.writeFile === 'function' && typeof source.rename === 'function' && typeof source.mkdir === 'function';
}

const inProcess = new Map<string, Promise<unknown>>();

/** Runs `work` holding this data folder's write lock for a source (in this process and across processes). */
export async function withWriteLock<T>(dataDir: string, sourceId: number, work: () => Promise<T>): Promise<T> {
  const key = `${dataDir}\u0000${sourceId}`;
  const before = inProcess.get(key) ?? Promise.resolve();
  const run = before.catch(() => {}).then(async () => {
    const lockPath = path.join(dataDir, `annotations-${sourceId}.lock`);
    const deadline = Date.now() + 15_000;
    let release: (() => Promise<void>) | null = null;
    while (!release) {
      try {
        release = await takeLock(lockPath, 'The team log');
      } catch (err) {
        if (!(err instanceof EngineError && err.code === 'CONFLICT') || Date.now() > deadline) {
          throw err instanceof EngineError && err.code === 'CONFLICT'
            ? new EngineError('CONFLICT', 'Another Modelshelf window on this computer is saving a change; try again in a moment.')
            : err;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await work();
    } finally {
      await release();
    }
  });
  inProcess.set(key, run);
  try {
    return await run;
  } finally {
    if (inProcess.get(key) === run) inProcess.delete(key);
  }
}

/**
 * This machine's log as it is on the share now. The bytes must agree with the file's size: a read
 * served from a stale cache (or a half-replaced file) would otherwise be written back and lose
 * events, so a mismatch is read again, and refused if it persists.
 */
async function readOwnLog(source: FileSource, file: string): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    let size: number;
    try {
      size = (await source.stat(file)).size;
    } catch (err) {
      if (err instanceof EngineError && err.code === 'NOT_FOUND') return new Uint8Array(0);
      throw err;
    }
    const bytes = await readWhole(source, file);
    if (bytes.length === size) return bytes;
    if (attempt >= 3) {
      throw new EngineError('IO', `The team log ${file} on the share did not read back whole (${bytes.length} of ${size} bytes); nothing was saved. Try again.`);
    }
    await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
  }
}

/**
 * Appends events to this machine's log on the share: read it, add the lines, write a temp file,
 * rename it over the log. Call inside withWriteLock.
 */
export async function appendToOwnLog(source: Writer, machine: string, events: TeamEvent[]): Promise<void> {
  const file = logPath(`${machine}${LOG_SUFFIX}`);
  await source.mkdir(EVENTS_DIR);
  // Temp files a crash left behind (only ours: other machines clean up their own).
  if (typeof source.remove === 'function') {
    const leftovers = (await source.list(EVENTS_DIR)).filter((e) => !e.isDir && e.name.startsWith(`${machine}${LOG_SUFFIX}.tmp-`));
    for (const e of leftovers) await source.remove(logPath(e.name)).catch(() => {});
  }
  const existing = await readOwnLog(source, file);
  const needsNewline = existing.length > 0 && existing[existing.length - 1] !== 0x0a;
  const added = new TextEncoder().encode(`${needsNewline ? '\n' : ''}${events.map(eventLine).join('')}`);
  const next = new Uint8Array(existing.length + added.length);
  next.set(existing, 0);
  next.set(added, existing.length);
  const temp = logPath(`${machine}${LOG_SUFFIX}.tmp-${randomBytes(4).toString('hex')}`);
  await source.writeFile(temp, next, { overwrite: false });
  await swapIn(source, temp, file);
}

/** Waits between attempts to replace the log while something holds it open. */
const SWAP_RETRY_MS = [100, 300, 1000, 2000];

/**
 * Renames the temp file over the log. The temp file was just written, so the share takes writes: a
 * refusal here (ACCESS_DENIED, or a sharing violation) means the log is open right now — another
 * program on a colleague's computer reading it without a lease, or a backup or antivirus scan on
 * the NAS — and replacing an open file is refused. Tried again a few times, then said as it is
 * (IO: not "the share is read-only", which would turn the team's writes off for nothing).
 * Whatever it throws, the temp file has been deleted (where the share lets it).
 */
async function swapIn(source: Writer, temp: string, file: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await source.rename(temp, file, { replace: true });
      return;
    } catch (err) {
      const held = err instanceof EngineError && (err.code === 'ACCESS_DENIED' || err.code === 'CONFLICT');
      const wait = SWAP_RETRY_MS[attempt];
      if (!held || wait === undefined) {
        // If the temp file cannot be deleted either, this account may create files but not delete
        // or replace them (a NAS permission, not a file in use): say that as it is.
        const mayDelete = await source.remove?.(temp).then(
          () => true,
          (e: unknown) => !(e instanceof EngineError && e.code === 'ACCESS_DENIED'),
        );
        if (!held || mayDelete === false) throw err;
        throw new EngineError('IO', `The team's log on the share (${file}) stayed open in another program, so the change was not saved. Try again in a moment.`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
