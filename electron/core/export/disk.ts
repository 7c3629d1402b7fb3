// Free space and the name of the disk a folder is on, for "Not enough space on <disk>" before a
// copy starts rather than "disk full" two hours into it.
import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../../../shared/format';
import { EngineError } from '../errors';

/** The mount point (POSIX) or drive root (Windows) that holds `dir`. */
export async function diskOf(dir: string): Promise<string> {
  const resolved = path.resolve(dir);
  if (process.platform === 'win32') return path.parse(resolved).root;
  let current = resolved;
  const dev = (await stat(current)).dev;
  for (;;) {
    const up = path.dirname(current);
    if (up === current) return current;
    const st = await stat(up).catch(() => null);
    if (!st || st.dev !== dev) return current;
    current = up;
  }
}

export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Throws IO "Not enough space on <disk>: needs X, has Y" when `needed` bytes do not fit. */
export async function requireSpace(dir: string, needed: number, free: (dir: string) => Promise<number> = freeBytes): Promise<void> {
  const has = await free(dir);
  if (needed <= has) return;
  const disk = await diskOf(dir).catch(() => dir);
  throw new EngineError('IO', `Not enough space on ${disk}: needs ${formatBytes(needed)}, has ${formatBytes(has)}.`);
}
